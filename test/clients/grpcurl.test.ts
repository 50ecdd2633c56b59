import { grpcurl, runOk } from './support/client-tools.js';
import { MODEL, startHarness, testPolicy } from '../router/support/harness.js';
import type { Harness } from '../router/support/harness.js';

/** grpcurl (github.com/fullstorydev/grpcurl) against the router's gRPC front, learning every service by reflection. */
describe('grpcurl against the router', () => {
  let h: Harness;
  const call = (...args: string[]) => runOk(grpcurl(), ['-plaintext', ...args]);

  beforeAll(async () => {
    h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: { preset: 'fp8' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists the router, health and reflection services', async () => {
    const { stdout } = await call(h.grpcTarget, 'list');
    expect(stdout.trim().split('\n').sort()).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'modeswitch.v1.RouterService',
    ]);
  });

  it('describes the health service (its map entry is well formed) and the router service', async () => {
    const health = await call(h.grpcTarget, 'describe', 'grpc.health.v1.Health');
    expect(health.stdout).toContain('rpc Check ( .grpc.health.v1.HealthCheckRequest )');
    const list = await call(h.grpcTarget, 'describe', 'grpc.health.v1.HealthListResponse');
    expect(list.stdout).toContain('map<string, .grpc.health.v1.HealthCheckResponse> statuses = 1;');
    const router = await call(h.grpcTarget, 'describe', 'modeswitch.v1.RouterService');
    expect(router.stdout).toContain(
      'rpc Generate ( .modeswitch.v1.GenerateRequest ) returns ( stream .modeswitch.v1.GenerateResponse )',
    );
  });

  it('calls Health.Check for the server and the router service', async () => {
    const all = await call(h.grpcTarget, 'grpc.health.v1.Health/Check');
    expect(JSON.parse(all.stdout)).toEqual({ status: 'SERVING' });
    const router = await call(
      '-d',
      '{"service":"modeswitch.v1.RouterService"}',
      h.grpcTarget,
      'grpc.health.v1.Health/Check',
    );
    expect(JSON.parse(router.stdout)).toEqual({ status: 'SERVING' });
  });

  it('streams a Generate answer: the decision, text, and the finish with usage', async () => {
    const request = { model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }], maxTokens: 8 };
    const { stdout } = await call('-d', JSON.stringify(request), h.grpcTarget, 'modeswitch.v1.RouterService/Generate');
    // grpcurl prints one JSON object per streamed message, separated by blank lines.
    const events = stdout
      .trim()
      .split(/\n(?=\{)/)
      .map((e) => JSON.parse(e) as Record<string, Record<string, unknown>>);
    expect(events[0]?.['decision']?.['mode']).toBe('fp8');
    expect(events.some((e) => typeof e['delta']?.['text'] === 'string')).toBe(true);
    expect(events.at(-1)?.['finish']).toBeDefined();
  });
});
