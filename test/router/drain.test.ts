import { PassThrough } from 'node:stream';
import { Agent, request } from 'undici';
import { createLogger } from '../../src/observability/logger.js';
import { MODEL, testPolicy } from './support/harness.js';
import { routerOver, standInEngine } from './support/stand-in-engine.js';
import type { StandInEngine } from './support/stand-in-engine.js';
import { eventually } from '../support/eventually.js';

const slowAnswer = (ms: number) => (_req: unknown, res: import('node:http').ServerResponse) =>
  void setTimeout(
    () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[{"text":"ok"}]}'),
    ms,
  );

/** A logger whose JSON lines a test reads back. */
function capturedLogger() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  return { logger: createLogger('test', { level: 'info', stream }), lines };
}

describe('graceful drain under keep-alive load', () => {
  let engine: StandInEngine;
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  afterEach(async () => engine.close());
  afterAll(async () => agent.close());

  const complete = (base: string) =>
    request(`${base}/v1/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: 'hi', max_tokens: 2 }),
    });

  it('answers with Connection: close from the moment it stops, so kept-alive clients stop sending here', async () => {
    engine = await standInEngine(slowAnswer(300));
    const r = await routerOver(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: [engine] },
      { shutdownDelayMs: 600 },
    );
    const before = await complete(r.http);
    await before.body.text();
    expect(before.headers['connection']).toBe('keep-alive');
    const inFlight = complete(r.http);
    await eventually(() => expect(engine.calls).toHaveLength(2));
    const stopped = r.router.stop();
    // During the shutdown delay the router still serves, but tells each client to reconnect.
    const during = await complete(r.http);
    await during.body.text();
    const first = await inFlight;
    await first.body.text();
    await stopped;
    expect([first.statusCode, first.headers['connection']]).toEqual([200, 'close']);
    expect([during.statusCode, during.headers['connection']]).toEqual([200, 'close']);
  });

  it('counts and logs the requests the end of the drain window cuts', async () => {
    engine = await standInEngine(slowAnswer(3000));
    const { logger, lines } = capturedLogger();
    const r = await routerOver(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: [engine] },
      { drainTimeoutMs: 300, logger },
    );
    const cut = complete(r.http).catch(() => undefined);
    await eventually(() => expect(engine.calls).toHaveLength(1));
    await r.router.stop();
    await cut;
    expect(lines.find((l) => l['message'] === 'router stopped')?.['abandoned']).toBe(1);
    expect(
      await r.router.metrics.registry.getSingleMetricAsString('modeswitch_drain_abandoned_requests_total'),
    ).toMatch(/ 1$/m);
  });
});
