import { routerMetricsDemand } from '../../src/operator/capacity-demand.js';

/** What a router's /metrics shows after `n` requests to spec and `w` wanted ones for fp16, with `busy` in spec's engines. */
function page(n: number, w: number, busy = 0): string {
  return [
    `modeswitch_queue_depth{policy="llama",mode="spec"} ${busy / 2}`,
    `modeswitch_running_requests{policy="llama",mode="spec"} ${busy / 2}`,
    '# TYPE modeswitch_requests_total counter',
    `modeswitch_requests_total{policy="llama",mode="spec",rule="default",code="200"} ${n / 2}`,
    `modeswitch_requests_total{policy="llama",mode="spec",rule="long",code="200"} ${n / 2}`,
    `modeswitch_requests_total{policy="other",mode="spec",rule="default",code="200"} 999`,
    `modeswitch_wanted_requests_total{policy="llama",mode="fp16"} ${w}`,
    `modeswitch_tokens_total{policy="llama",mode="spec",kind="prompt"} ${n * 100}`,
    `modeswitch_tokens_total{policy="llama",mode="spec",kind="output"} ${n * 20}`,
  ].join('\n');
}

describe('routerMetricsDemand', () => {
  it('turns each router pod\'s counter increases into rates and mean lengths per mode, summed over pods, and reads what is in flight', async () => {
    const pages = new Map<string, string>();
    const source = routerMetricsDemand(async (url) => pages.get(url) ?? '');
    const routers = [{ pod: 'r1', url: 'http://r1/metrics' }, { pod: 'r2', url: 'http://r2/metrics' }];
    pages.set('http://r1/metrics', page(100, 0, 4));
    pages.set('http://r2/metrics', page(50, 0, 4));
    // The first scrape only sets baselines: no rates yet, but what is in flight is known at once.
    expect((await source.demand('llm/llama', routers, 0)).get('spec')?.demand).toMatchObject({ requestsPerSecond: 0, inFlight: 4 });
    pages.set('http://r1/metrics', page(200, 10, 6));
    pages.set('http://r2/metrics', page(70, 0, 8));
    const d = await source.demand('llm/llama', routers, 10);
    // Both routers read the same engines: the larger in-flight reading counts, not the sum.
    expect(d.get('spec')?.demand).toEqual({ requestsPerSecond: 12, wantedPerSecond: 0, meanPromptTokens: 100, meanOutputTokens: 20, inFlight: 8 });
    expect(d.get('fp16')?.demand).toMatchObject({ requestsPerSecond: 0, wantedPerSecond: 1 });
  });

  it('counts a restarted router from zero, and skips one that does not answer', async () => {
    let text = page(1000, 0);
    let fail = false;
    const source = routerMetricsDemand(async () => {
      if (fail) throw new Error('connection refused');
      return text;
    });
    const routers = [{ pod: 'r1', url: 'http://r1/metrics' }];
    await source.demand('llm/llama', routers, 0);
    text = page(40, 0);
    expect((await source.demand('llm/llama', routers, 10)).get('spec')?.demand.requestsPerSecond).toBe(4);
    fail = true;
    expect((await source.demand('llm/llama', routers, 20)).size).toBe(0);
  });
  it('observes each mode\'s power from the energy counter (not summed over routers) and its mean inter-token time', async () => {
    /** A router page: `n` requests of 20 output tokens, each 1.0 s long with a 0.05 s first token; `joules` of GPU energy. */
    const withTiming = (n: number, joules: number) => [
      page(n, 0),
      `modeswitch_energy_joules_total{policy="llama",mode="spec"} ${joules}`,
      `modeswitch_request_duration_seconds_sum{policy="llama",mode="spec"} ${n * 1.0}`,
      `modeswitch_time_to_first_token_seconds_sum{policy="llama",mode="spec"} ${n * 0.05}`,
    ].join('\n');
    const pages = new Map<string, string>([['http://r1/metrics', withTiming(0, 1000)], ['http://r2/metrics', withTiming(0, 1000)]]);
    const source = routerMetricsDemand(async (url) => pages.get(url) ?? '');
    const routers = [{ pod: 'r1', url: 'http://r1/metrics' }, { pod: 'r2', url: 'http://r2/metrics' }];
    await source.demand('llm/llama', routers, 0);
    pages.set('http://r1/metrics', withTiming(30, 6000));
    pages.set('http://r2/metrics', withTiming(10, 6000));
    const spec = (await source.demand('llm/llama', routers, 10)).get('spec')!;
    expect(spec.watts).toBeCloseTo(500);
    // (40 × 1.0 − 40 × 0.05) s over (40 × 20 − 40) tokens after the first.
    expect(spec.interTokenSeconds).toBeCloseTo((40 * 0.95) / (40 * 19));
  });
});
