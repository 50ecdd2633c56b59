import { routerMetricsDemand } from '../../src/capacity/router-demand.js';

/** What a router's /metrics shows after `n` requests to spec and `w` wanted ones for fp16, with `busy` in spec's engines. */
function page(n: number, w: number, busy = 0): string {
  return [
    `modeswitch_queue_depth{policy="llm/llama",mode="spec"} ${busy / 2}`,
    `modeswitch_running_requests{policy="llm/llama",mode="spec"} ${busy / 2}`,
    '# TYPE modeswitch_requests_total counter',
    `modeswitch_requests_total{policy="llm/llama",mode="spec",rule="default",code="200"} ${n / 2}`,
    `modeswitch_requests_total{policy="llm/llama",mode="spec",rule="long",code="200"} ${n / 2}`,
    `modeswitch_requests_total{policy="llm/other",mode="spec",rule="default",code="200"} 999`,
    `modeswitch_wanted_requests_total{policy="llm/llama",mode="fp16"} ${w}`,
    `modeswitch_tokens_total{policy="llm/llama",mode="spec",kind="prompt"} ${n * 100}`,
    `modeswitch_tokens_total{policy="llm/llama",mode="spec",kind="output"} ${n * 20}`,
  ].join('\n');
}

describe('routerMetricsDemand', () => {
  it("turns each router pod's counter increases into rates and mean lengths per mode, summed over pods, and reads what is in flight", async () => {
    const pages = new Map<string, string>();
    const source = routerMetricsDemand(async (url) => pages.get(url) ?? '');
    const routers = [
      { pod: 'r1', url: 'http://r1/metrics' },
      { pod: 'r2', url: 'http://r2/metrics' },
    ];
    pages.set('http://r1/metrics', page(100, 0, 4));
    pages.set('http://r2/metrics', page(50, 0, 4));
    // The first scrape only sets baselines: no rates yet, but what is in flight is known at once.
    expect((await source.demand('llm/llama', routers, 0)).get('spec')?.demand).toMatchObject({
      requestsPerSecond: 0,
      inFlight: 4,
    });
    pages.set('http://r1/metrics', page(200, 10, 6));
    pages.set('http://r2/metrics', page(70, 0, 8));
    const d = await source.demand('llm/llama', routers, 10);
    // Both routers read the same engines: the larger in-flight reading counts, not the sum.
    expect(d.get('spec')?.demand).toEqual({
      requestsPerSecond: 12,
      wantedPerSecond: 0,
      meanPromptTokens: 100,
      meanOutputTokens: 20,
      inFlight: 8,
      recent: { seconds: 10, requestsPerSecond: 12, meanPromptTokens: 100, meanOutputTokens: 20 },
    });
    expect(d.get('fp16')?.demand).toMatchObject({ requestsPerSecond: 0, wantedPerSecond: 1 });
  });

  it('counts a restarted router from zero; one that stops answering adds nothing new and its past ages out of the window', async () => {
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
    const stale = (await source.demand('llm/llama', routers, 20)).get('spec')?.demand;
    expect(stale?.requestsPerSecond).toBeCloseTo(2);
    expect(stale?.recent).toBeUndefined();
    expect((await source.demand('llm/llama', routers, 80)).size).toBe(0);
    // Back after more than a window: what it counted while unread is not spread over the gap, it sets a new baseline.
    fail = false;
    text = page(1040, 0);
    expect((await source.demand('llm/llama', routers, 100)).get('spec')?.demand.requestsPerSecond).toBe(0);
    text = page(1070, 0);
    expect((await source.demand('llm/llama', routers, 115)).get('spec')?.demand.requestsPerSecond).toBe(2);
  });

  it('reads the mean rate over the stable window and a burst over the last scrape interval', async () => {
    let n = 0;
    const source = routerMetricsDemand(async () => page(n, 0));
    const routers = [{ pod: 'r1', url: 'http://r1/metrics' }];
    // 15 s scrapes: 1 req/s for three intervals, then 30 req/s in the last one.
    for (const [t, total] of [
      [0, 0],
      [15, 15],
      [30, 30],
      [45, 45],
      [60, 495],
    ] as const) {
      n = total;
      const d = (await source.demand('llm/llama', routers, t)).get('spec')?.demand;
      if (t === 60) {
        expect(d?.requestsPerSecond).toBeCloseTo(495 / 60);
        expect(d?.recent).toEqual({ seconds: 15, requestsPerSecond: 30, meanPromptTokens: 100, meanOutputTokens: 20 });
      }
    }
    // A minute later the burst's interval has left the stable window too.
    n = 495;
    await source.demand('llm/llama', routers, 75);
    expect((await source.demand('llm/llama', routers, 120)).get('spec')?.demand.requestsPerSecond).toBe(0);
  });

  it('reads the p95 time to first token over the stable window from the histogram buckets, summed over routers', async () => {
    /** `fast` first tokens within 0.25 s and `slow` ones between 0.5 and 1 s. */
    const histogram = (fast: number, slow: number) =>
      [
        page(fast + slow, 0),
        ...[
          ['0.25', fast],
          ['0.5', fast],
          ['1', fast + slow],
          ['+Inf', fast + slow],
        ].map(
          ([le, c]) => `modeswitch_time_to_first_token_seconds_bucket{policy="llm/llama",mode="spec",le="${le}"} ${c}`,
        ),
        `modeswitch_time_to_first_token_seconds_count{policy="llm/llama",mode="spec"} ${fast + slow}`,
      ].join('\n');
    const pages = new Map([
      ['http://r1/metrics', histogram(0, 0)],
      ['http://r2/metrics', histogram(0, 0)],
    ]);
    const source = routerMetricsDemand(async (url) => pages.get(url) ?? '');
    const routers = [
      { pod: 'r1', url: 'http://r1/metrics' },
      { pod: 'r2', url: 'http://r2/metrics' },
    ];
    await source.demand('llm/llama', routers, 0);
    pages.set('http://r1/metrics', histogram(90, 0));
    pages.set('http://r2/metrics', histogram(0, 10));
    const d = (await source.demand('llm/llama', routers, 15)).get('spec')?.demand;
    // 100 first tokens, 10 of them slow: the 95th sits halfway into the (0.5, 1] bucket.
    expect(d?.observedTtft).toEqual({ p95Seconds: expect.closeTo(0.75, 6), count: 100 });
  });
  it('reads the model each router fitted and published of a mode, the mean over the routers that answered', async () => {
    /** A router page whose fitted spec model has these inter-token seconds and watts at batch 0, and per sequence. */
    const withFit = (itl: [number, number], watts: [number, number]) =>
      [
        page(0, 0),
        `modeswitch_mode_model_inter_token_intercept_seconds{policy="llm/llama",mode="spec"} ${itl[0]}`,
        `modeswitch_mode_model_inter_token_slope_seconds{policy="llm/llama",mode="spec"} ${itl[1]}`,
        `modeswitch_mode_model_power_intercept_watts{policy="llm/llama",mode="spec"} ${watts[0]}`,
        `modeswitch_mode_model_power_slope_watts{policy="llm/llama",mode="spec"} ${watts[1]}`,
        // Another policy's fit of the same mode name is not this one's.
        `modeswitch_mode_model_inter_token_intercept_seconds{policy="llm/other",mode="spec"} 9`,
      ].join('\n');
    const pages = new Map<string, string>([
      ['http://r1/metrics', withFit([0.01, 0.001], [300, 2])],
      ['http://r2/metrics', withFit([0.03, 0.003], [500, 4])],
    ]);
    const source = routerMetricsDemand(async (url) => {
      const text = pages.get(url);
      if (text === undefined) throw new Error('connection refused');
      return text;
    });
    const routers = [
      { pod: 'r1', url: 'http://r1/metrics' },
      { pod: 'r2', url: 'http://r2/metrics' },
      { pod: 'r3', url: 'http://r3/metrics' },
    ];
    // Known from the first scrape: a fit needs no baseline.
    const spec = (await source.demand('llm/llama', routers, 0)).get('spec')!;
    expect(spec.fit).toEqual({
      interToken: { intercept: expect.closeTo(0.02, 9), slope: expect.closeTo(0.002, 9) },
      power: { intercept: 400, slope: 3 },
    });
    // A router of an older release publishes none: the controller keeps the seed.
    pages.set('http://r1/metrics', page(10, 0, 2));
    const older = (await source.demand('llm/llama', [routers[0]!], 10)).get('spec');
    expect(older?.demand.inFlight).toBe(2);
    expect(older?.fit).toBeUndefined();
  });
});
