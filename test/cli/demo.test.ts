import { request } from 'undici';
import { runDemo } from '../../src/cli/demo.js';
import type { CommandIO } from '../../src/cli/io.js';
import { formatDemoSummary, summariseDemo } from '../../src/cli/demo/summary.js';
import type { SentRequest } from '../../src/cli/demo/send-request.js';
import type { FleetMetrics } from '../../src/replay/fleet-metrics.js';

function capture(): CommandIO & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => void lines.push(l), err: (l) => void errors.push(l), readFile: () => '' };
}

describe('modeswitch demo', () => {
  const io = capture();
  let code: number;
  let answer: { status: number; mode: string; body: string } | undefined;
  /** dcgm-exporter while the demo serves: each GPU's energy counter's rise per wall second, and its power gauge. */
  const dcgm: Array<{ energyRateWatts: number; powerWatts: number }> = [];

  beforeAll(async () => {
    code = await runDemo(['--duration', '5', '--rate', '8', '--speedup', '10', '--port-base', '0'], io, {
      // While the demo serves: what a user does with the printed curl line, then Ctrl-C.
      waitForStop: async () => {
        const curl = io.lines.find((l) => l.includes('curl -si http://127.0.0.1:'));
        const port = /127\.0\.0\.1:(\d+)/.exec(curl ?? '')?.[1];
        const res = await request(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'meta-llama/Llama-3.1-8B-Instruct',
            messages: [{ role: 'user', content: 'Summarize the key points of this text: modes.' }],
            max_tokens: 8,
          }),
        });
        answer = {
          status: res.statusCode,
          mode: String(res.headers['x-modeswitch-mode'] ?? ''),
          body: await res.body.text(),
        };
        // What a dashboard reads: rate() of the energy counter beside the power gauge, one wall second apart.
        const dcgmUrl = /curl -s (http:\/\/127\.0\.0\.1:\d+\/metrics) \| grep DCGM/.exec(io.lines.join('\n'))?.[1];
        const read = async () => {
          const text = await (await request(dcgmUrl as string)).body.text();
          const values = (name: string) =>
            [...text.matchAll(new RegExp(`^${name}\\{[^}]*gpu="(\\d+)"[^}]*\\} (\\S+)$`, 'gm'))].map((m) =>
              Number(m[2]),
            );
          return {
            at: performance.now(),
            energy: values('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION'),
            power: values('DCGM_FI_DEV_POWER_USAGE'),
          };
        };
        const first = await read();
        await new Promise((r) => setTimeout(r, 1500));
        const second = await read();
        first.energy.forEach((mj, i) =>
          dcgm.push({
            energyRateWatts: ((second.energy[i] as number) - mj) / (second.at - first.at),
            powerWatts: second.power[i] as number,
          }),
        );
      },
    });
  }, 60_000);

  it('replays the trace through the router, then leads with the fair comparison, both pools autoscaled', () => {
    expect(code).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toMatch(/replaying \d+ requests \(5 s of the Azure conversation trace, 10x faster than real time\)/);
    expect(text).toMatch(/replay: (\d+)\/\1 sent, \1 answered/);
    expect(Number(/replaying (\d+) requests/.exec(text)?.[1])).toBeGreaterThanOrEqual(3);
    // The first line after the replay is the one comparison the demo makes; no static-pool saving beside it.
    const first = io.lines
      .slice(io.lines.findIndex((l) => l.startsWith('replaying ')) + 1)
      .find((l) => l !== '' && !l.startsWith('  replay: '));
    expect(first).toMatch(
      /^ModeSwitch vs always-FP16, both autoscaled: \d+\.\d% (less|more) pool energy per output token \(SLO met \d+\.\d% vs \d+\.\d%; simulated, below\)\.$/,
    );
    expect(text.match(/always-FP16/g)?.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/less energy per output token|lower mean latency/);
    expect(text).not.toMatch(/failed/);
  });

  it('shows per-mode busy energy per token and idle energy apart, with a row for every mode that runs engines', () => {
    const text = io.lines.join('\n');
    expect(text).toMatch(
      /^mode\s+share\s+latency p50 s\s+latency p95 s\s+TTFT s \(streamed\)\s+J\/output token \(busy\)\s+idle kJ$/m,
    );
    const rows = io.lines.filter((l) => /^(fp16|fp8|int4|spec)\s+\d+\.\d%/.test(l)).map((l) => l.split(/\s{2,}/));
    // The example runs fp16, fp8 and spec (int4 at zero): each has a row, even one that served nothing.
    expect(rows.map((r) => r[0])).toEqual(['fp16', 'fp8', 'spec']);
    for (const r of rows) {
      expect(Number(r[6])).toBeGreaterThan(0);
      if (r[1] === '0.0%') expect(r[5]).toBe('—');
      else expect(Number(r[5])).toBeGreaterThan(0);
    }
  });

  it('adds a simulated capacity section: desired/ready replicas per autoscaled mode and the pool J/token of both pools', () => {
    const text = io.lines.join('\n');
    expect(text).toMatch(/^Capacity, simulated: the same requests replayed in simulated time/m);
    expect(text).toMatch(/at most 3 GPUs\)\.$/m);
    const rows = io.lines
      .filter((l) => /^(always-FP16|ModeSwitch)\s+(fp16|fp8|int4|spec)\s+\d/.test(l))
      .map((l) => l.split(/\s{2,}/));
    expect(rows.map((r) => `${r[0]} ${r[1]}`)).toEqual([
      'always-FP16 fp16',
      'ModeSwitch fp16',
      'ModeSwitch fp8',
      'ModeSwitch int4',
      'ModeSwitch spec',
    ]);
    for (const cell of rows.flatMap((r) => r.slice(2))) {
      const match = /^(\d+)\/(\d+)$/.exec(cell);
      expect(match).not.toBeNull();
      expect(Number(match?.[1])).toBeLessThanOrEqual(3);
      expect(Number(match?.[2])).toBeLessThanOrEqual(3);
    }
    expect(text).toMatch(/^always-FP16\s+\d+\.\d{3}\s+\d+\.\d{3}\s+\d+\.\d%$/m);
    expect(text).toMatch(/^ModeSwitch\s+\d+\.\d{3}\s+\d+\.\d{3}\s+\d+\.\d%$/m);
    expect(text).toMatch(
      /ModeSwitch vs always-FP16, both autoscaled: \d+\.\d% (less|more) pool energy per output token/,
    );
  });

  it("serves in real time after the replay: dcgm-exporter's energy counters rise at the rate its power gauges show", () => {
    expect(io.lines.join('\n')).toContain('the engines now in real time (one simulated second per second)');
    expect(dcgm).toHaveLength(3);
    for (const gpu of dcgm) {
      expect(gpu.powerWatts).toBeGreaterThan(0);
      expect(gpu.energyRateWatts / gpu.powerWatts).toBeGreaterThan(0.8);
      expect(gpu.energyRateWatts / gpu.powerWatts).toBeLessThan(1.25);
    }
  });

  it('keeps serving: a request to the printed address is answered with the mode that served it', () => {
    expect(answer?.status).toBe(200);
    expect(['fp16', 'fp8', 'int4', 'spec']).toContain(answer?.mode);
    expect(JSON.parse(answer?.body ?? '{}').usage.completion_tokens).toBeGreaterThan(0);
    expect(io.lines.some((l) => l.includes('modeswitch.v1.RouterService/Generate'))).toBe(true);
    expect(io.lines.at(-1)).toBe('shutting down…');
  });

  it('rejects bad flags with the usage and exit code 2', async () => {
    const bad = capture();
    expect(await runDemo(['--speedup', '0'], bad)).toBe(2);
    expect(bad.errors.join('\n')).toMatch(/--speedup must be a positive number, got "0"[\s\S]*Usage: modeswitch demo/);
  });
});

describe('demo summary', () => {
  const sent = (id: number, mode: string, latencyMs: number, outputTokens: number): SentRequest => ({
    request: {
      id,
      arrivalSeconds: 0,
      inputTokens: 100,
      outputTokens,
      type: 'chat',
      difficulty: 0.1,
      prefixGroup: -1,
      prefixTokens: 0,
      temperature: 0,
    },
    stream: true,
    status: 200,
    mode,
    rule: 'r',
    sentMs: 0,
    firstByteMs: 10,
    doneMs: latencyMs,
    outputTokens,
  });
  const summary = summariseDemo({
    results: [sent(1, 'spec', 100, 10), sent(2, 'spec', 300, 30), sent(3, 'int4', 200, 60)],
    speedup: 5,
    energyByMode: new Map([
      ['spec', { busyJoules: 20, idleJoules: 5 }],
      ['int4', { busyJoules: 30, idleJoules: 0 }],
      // fp16's replica served nothing: its idle energy is shown, and charged to no token.
      ['fp16', { busyJoules: 0, idleJoules: 2000 }],
    ]),
    quality: (mode) => (mode === 'int4' ? -0.9 : 0),
  });

  it('scales client times to simulated time and charges each mode its busy energy per token, idle apart', () => {
    expect(
      summary.modes.map((m) => [m.mode, m.share, m.p50LatencySeconds, m.busyJoulesPerOutputToken, m.idleJoules]),
    ).toEqual([
      ['fp16', 0, undefined, undefined, 2000],
      ['int4', 1 / 3, 1, 0.5, 0],
      ['spec', 2 / 3, 0.5, 0.5, 5],
    ]);
    expect(summary.meanLatencySeconds).toBeCloseTo(1);
    expect(summary.joulesPerOutputToken).toBeCloseTo(2055 / 100);
    expect(summary.idleShare).toBeCloseTo(2005 / 2055);
    expect(summary.qualityDeltaPoints).toBeCloseTo(-0.3);
  });

  it('prints an idle replica as idle energy, not as a cost per token, and claims nothing against always-FP16', () => {
    const simulated = { meanLatencySeconds: 1, joulesPerOutputToken: 0.4, qualityDeltaPoints: -0.3 } as FleetMetrics;
    const lines = formatDemoSummary(summary, simulated, 3);
    expect(lines.find((l) => l.startsWith('fp16'))?.split(/\s{2,}/)).toEqual([
      'fp16',
      '0.0%',
      '—',
      '—',
      '—',
      '—',
      '2.00',
    ]);
    expect(lines.join('\n')).not.toMatch(/always-FP16|less energy/);
    expect(lines.join('\n')).toContain("97.6% of the live pool's energy was idle");
  });
});
