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
      },
    });
  }, 60_000);

  it('replays the trace through the router with progress, then prints a summary against always-FP16', () => {
    expect(code).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toMatch(/replaying \d+ requests \(5 s of the Azure conversation trace, 10x faster than real time\)/);
    expect(text).toMatch(/replay: (\d+)\/\1 sent, \1 answered/);
    expect(text).toMatch(/^mode\s+share\s+latency p50 s\s+latency p95 s\s+TTFT s \(streamed\)\s+J\/output token$/m);
    expect(text).toMatch(/^(fp16|fp8|int4|spec)\s+\d+\.\d%\s+\d+\.\d{3}/m);
    expect(Number(/replaying (\d+) requests/.exec(text)?.[1])).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/^always-FP16 \*\s+\d+\.\d{3}\s+\d+\.\d{3}\s+\d+\.\d{3}\s+0\.00$/m);
    expect(text).toMatch(
      /ModeSwitch vs always-FP16: \d+\.\d\dx lower mean latency, -?\d+\.\d% less energy per output token \(all GPUs, idle included\); -?\d+\.\d% less per request/,
    );
    expect(text).not.toMatch(/failed/);
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
  const baseline = {
    meanLatencySeconds: 2,
    joulesPerOutputToken: 1,
    requestJoulesPerOutputToken: 0.8,
    qualityDeltaPoints: 0,
  } as FleetMetrics;
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

  it('scales client times to simulated time and divides each mode energy by its tokens', () => {
    const s = summariseDemo({
      results: [sent(1, 'spec', 100, 10), sent(2, 'spec', 300, 30), sent(3, 'int4', 200, 60)],
      speedup: 5,
      energyByMode: new Map([
        ['spec', 20],
        ['int4', 30],
      ]),
      baseline,
      quality: (mode) => (mode === 'int4' ? -0.9 : 0),
    });
    expect(s.modes.map((m) => [m.mode, m.share, m.p50LatencySeconds, m.joulesPerOutputToken])).toEqual([
      ['int4', 1 / 3, 1, 0.5],
      ['spec', 2 / 3, 0.5, 0.5],
    ]);
    expect(s.meanLatencySeconds).toBeCloseTo(1);
    expect(s.latencySpeedup).toBeCloseTo(2);
    expect(s.energySaving).toBeCloseTo(0.5);
    expect(s.qualityDeltaPoints).toBeCloseTo(-0.3);
    const simulated = { ...baseline, requestJoulesPerOutputToken: 0.2 };
    expect(formatDemoSummary(s, baseline, simulated).join('\n')).toContain(
      '2.00x lower mean latency, 50.0% less energy per output token (all GPUs, idle included); 75.0% less per request',
    );
  });
});
