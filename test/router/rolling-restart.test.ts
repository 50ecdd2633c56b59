import { Agent, request } from 'undici';
import { ROUTER_DEFAULTS } from '../../src/api/v1alpha1/router-config.js';
import { MODEL, testPolicy } from './support/harness.js';
import { closedAfterEachTest, routerOver, type RouterOver } from './support/stand-in-engine.js';

const fleet = closedAfterEachTest();
const policy = testPolicy({ defaultMode: 'fp8' }, ['fp8']);

/**
 * Keep-alive load over two router instances, as a Service spreads it over two router pods, while each is stopped and
 * replaced in turn (a rolling restart): the stopping router is taken out of the client pool a little after its stop
 * began, as endpoint removal follows SIGTERM in Kubernetes, and keeps accepting meanwhile (shutdownDelayMs).
 */
async function rollingRestartUnderLoad(): Promise<{ sent: number; failed: string[] }> {
  const engine = await fleet.engine((_req, res) =>
    setTimeout(
      () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"choices":[{"text":"ok"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}'),
      2 + Math.random() * 8,
    ),
  );
  const start = () =>
    routerOver(
      policy,
      { fp8: [engine] },
      {
        shutdownDelayMs: 300,
        drainTimeoutMs: 5000,
        drainQuietMs: ROUTER_DEFAULTS.drainQuietMs,
      },
    );
  const pool: RouterOver[] = [await start(), await start()];
  // A connection per request in flight, as a client pool under load has: a request queued inside the client for an
  // instance already out of the pool would open a connection after that instance stopped accepting.
  const agent = fleet.closing(new Agent({ keepAliveTimeout: 30_000 }));
  let sent = 0;
  const failed: string[] = [];
  let running = true;
  let turn = 0;
  const worker = async () => {
    while (running) {
      const target = pool[turn++ % pool.length] as RouterOver;
      sent++;
      try {
        const res = await request(`${target.http}/v1/completions`, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: MODEL, prompt: 'hi', max_tokens: 2 }),
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) failed.push(`${res.statusCode} ${text}`);
      } catch (err) {
        failed.push((err as Error).message);
      }
    }
  };
  const workers = Array.from({ length: 24 }, worker);
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const slot = i % 2;
    const stopped = (pool[slot] as RouterOver).router.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Out of the pool (the other instance takes its share) until its replacement is up.
    pool[slot] = pool[1 - slot] as RouterOver;
    pool[slot] = await start();
    await stopped;
  }
  running = false;
  await Promise.all(workers);
  await Promise.all(pool.map((r) => r.close()));
  return { sent, failed };
}

describe('a rolling restart of the router under keep-alive load', () => {
  it('loses no request, run after run', async () => {
    for (let run = 0; run < 3; run++) {
      const { sent, failed } = await rollingRestartUnderLoad();
      expect(sent).toBeGreaterThan(200);
      expect(failed).toEqual([]);
    }
  }, 60_000);
});
