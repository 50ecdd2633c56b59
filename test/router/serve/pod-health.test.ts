import { MODEL, testPolicy } from '../support/harness.js';
import { eventually } from '../../support/eventually.js';
import { hang, closedAfterEachTest } from '../support/stand-in-engine.js';

const started = closedAfterEachTest();
const engine = started.engine;

const complete = (base: string, body: Record<string, unknown> = {}) =>
  fetch(`${base}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, prompt: 'hi', max_tokens: 4, ...body }),
    signal: AbortSignal.timeout(5000),
  });

describe('pod health', () => {
  it('takes a pod that answers 500 out of rotation although its telemetry says it is idle, with a metric', async () => {
    const broken = await engine((_req, res) => res.writeHead(500).end('{"error":"boom"}'));
    const good = await engine();
    const r = await started.router(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: [broken, good] },
      { health: { consecutiveFailures: 3, ejectMs: 60_000 } },
    );
    await eventually(() => expect(r?.router.core.modeView()?.states.get('fp8')?.queueDepth).toBe(0n));
    const codes: number[] = [];
    for (let i = 0; i < 20; i++) codes.push((await complete(r.http)).status);
    expect(codes).toEqual(Array(20).fill(200));
    expect(broken.calls.length).toBe(3);
    const metrics = await r.metrics();
    expect(metrics).toMatch(
      /modeswitch_pod_ejections_total\{policy="llm\/llama",mode="fp8",reason="consecutive_failures"\} 1/,
    );
    expect(metrics).toMatch(
      /modeswitch_attempt_failures_total\{policy="llm\/llama",mode="fp8",reason="status_5xx"\} 3/,
    );
  });

  it('turns a standalone router unready when every engine dies, without waiting for a request to fail', async () => {
    const a = await engine();
    const b = await engine();
    const r = await started.router(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: [a, b] },
      { health: { intervalMs: 100, timeoutMs: 200 } },
    );
    const readyz = `${r.metricsUrl.replace('/metrics', '/readyz')}`;
    expect((await fetch(readyz)).status).toBe(200);
    await started.closeEngines();
    await eventually(async () => expect((await fetch(readyz)).status).toBe(503), 3000);
    expect(await r.metrics()).toMatch(
      /modeswitch_pod_ejections_total\{policy="llm\/llama",mode="fp8",reason="health_check"\} 2/,
    );
  });

  it('moves a streamed request off an engine that accepted it and never answers (first-byte timeout from the policy)', async () => {
    const hung = await engine(hang);
    const good = await engine();
    const policy = testPolicy({ defaultMode: 'fp8', firstByteTimeoutSeconds: 0.3 }, ['fp8']);
    const r = await started.router(policy, { fp8: [hung, good] });
    const res = await complete(r.http, { stream: true });
    expect(res.status).toBe(200);
    await res.text();
    expect([hung.calls.length, good.calls.length]).toEqual([1, 1]);
    expect(await r.metrics()).toMatch(/modeswitch_attempt_failures_total\{[^}]*reason="first_byte_timeout"\} 1/);
  });

  it('moves a non-streamed request off a hung engine once its health check fails', async () => {
    let hungHealth: 'ok' | 'hung' = 'ok';
    const hung = await engine(hang, () => hungHealth);
    const good = await engine();
    const r = await started.router(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: [hung, good] },
      { health: { intervalMs: 100, timeoutMs: 200 } },
    );
    hungHealth = 'hung';
    const res = await complete(r.http);
    expect(res.status).toBe(200);
    expect([hung.calls.length, good.calls.length]).toEqual([1, 1]);
    expect(await r.metrics()).toMatch(/modeswitch_attempt_failures_total\{[^}]*reason="pod_unhealthy"\} 1/);
  });

  it("answers 504 naming the setting when a generation hangs while /health is fine, after the policy's generation timeout", async () => {
    const hung = await engine(hang);
    const policy = testPolicy({ defaultMode: 'fp8', generationTimeoutSeconds: 0.5 }, ['fp8']);
    const r = await started.router(policy, { fp8: [hung] });
    const sentAt = Date.now();
    const res = await complete(r.http);
    expect(res.status).toBe(504);
    expect(Date.now() - sentAt).toBeLessThan(3000);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /within 0.5 s .*generationTimeoutSeconds/,
    );
  });

  it("cuts a streamed answer whose engine pauses longer than the policy's stream idle timeout", async () => {
    const stalls = await engine((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"text":"a"}]}\n\n');
    });
    const policy = testPolicy({ defaultMode: 'fp8', streamIdleTimeoutSeconds: 0.5 }, ['fp8']);
    const r = await started.router(policy, { fp8: [stalls] });
    const sentAt = Date.now();
    const res = await complete(r.http, { stream: true });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(Date.now() - sentAt).toBeLessThan(3000);
  });
});
