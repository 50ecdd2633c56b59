import {
  formatCapacitySection,
  MAX_TIMELINE_COLUMNS,
  simulateDemoCapacity,
  type DemoCapacity,
} from '../../src/cli/demo/capacity.js';
import { demoWorkload } from '../../src/cli/demo/workload.js';
import type { CapacityMetrics } from '../../src/replay/scaling/capacity-metrics.js';
import type { ReplicaSample } from '../../src/replay/scaling/replay-scaled.js';
import { loadExample } from '../support/policies.js';

/** The timeline rows of a formatted section: [strategy, mode, ...cells]. */
function timelineRows(lines: readonly string[]): string[][] {
  const start = lines.findIndex((l) => l.startsWith('replicas desired/ready'));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line === '') break;
    rows.push(line.split(/\s{2,}/));
  }
  return rows;
}

// Two minutes of the conversation trace at 30 requests/s: more than one GPU of the example's modes carries.
const requests = demoWorkload({ trace: 'conv', durationSeconds: 120, rate: 30, seed: 1 });

/** The section for the default example on its 3 GPUs, ModeSwitch routing in the replay or as `routedModes` say. */
const capacityOf = (routedModes?: ReadonlyMap<number, string>) =>
  simulateDemoCapacity({
    policy: loadExample(),
    requests,
    gpu: 'h100-80gb',
    model: 'llama-3.1-8b-instruct',
    seed: 1,
    baselineMode: 'fp16',
    staticGpus: 3,
    ...(routedModes ? { routedModes } : {}),
  });

describe('demo capacity section, simulated', () => {
  const capacity = capacityOf();
  const lines = formatCapacitySection(capacity);
  const rows = timelineRows(lines);

  it('shows desired/ready replicas over time for every autoscaled mode of both pools', () => {
    expect(rows.map((r) => `${r[0]} ${r[1]}`)).toEqual([
      'always-FP16 fp16',
      'ModeSwitch fp16',
      'ModeSwitch fp8',
      'ModeSwitch int4',
      'ModeSwitch spec',
    ]);
    const header = lines.find((l) => l.startsWith('replicas desired/ready'))?.split(/\s{2,}/) ?? [];
    expect(header.slice(2)).toEqual(['0s', '15s', '30s', '45s', '60s', '75s', '90s', '105s']);
    for (const row of rows) {
      expect(row).toHaveLength(header.length);
      for (const cell of row.slice(2)) {
        const [desired, ready] = cell.split('/').map(Number);
        expect(Number.isInteger(desired) && Number.isInteger(ready)).toBe(true);
        expect(desired).toBeLessThanOrEqual(3);
        expect(ready).toBeLessThanOrEqual(3);
      }
    }
  });

  it('keeps the GPU budget at every step and shows replicas loading before they are ready', () => {
    for (const pool of [capacity.baseline, capacity.modeswitch]) {
      const perStep = new Map<number, number>();
      for (const s of pool.replicas) perStep.set(s.t, (perStep.get(s.t) ?? 0) + s.desired);
      expect(Math.max(...perStep.values())).toBeLessThanOrEqual(3);
    }
    // The load asks for more than the one warm replica; the new ones load their weights first.
    expect(capacity.baseline.replicas.some((s) => s.desired > s.ready)).toBe(true);
  });

  it('states the SLO and budget it planned for, and the pool energy per output token of both pools', () => {
    const text = lines.join('\n');
    expect(text).toMatch(/^ModeSwitch vs always-FP16, both autoscaled: [^\n]*\n\nCapacity, simulated:/);
    expect(text).toContain('SLO p95 TTFT ≤ 2 s, mean inter-token ≤ 0.1 s; quality budget 0 points; at most 3 GPUs');
    for (const label of ['always-FP16', 'ModeSwitch'])
      expect(text).toMatch(new RegExp(`^${label}\\s+\\d+\\.\\d{3}\\s+\\d+\\.\\d{3}\\s+\\d+\\.\\d%$`, 'm'));
    expect(capacity.modeswitch.metrics.fleetJoulesPerOutputToken).toBeGreaterThan(0);
    expect(text).toMatch(
      /ModeSwitch vs always-FP16, both autoscaled: \d+\.\d% (less|more) pool energy per output token/,
    );
  });
});

describe('demo capacity section following live routing', () => {
  // What a live router did: spec for most, fp8 for every 10th request, fp16 for none.
  const capacity = capacityOf(new Map(requests.map((r) => [r.id, r.id % 10 === 0 ? 'fp8' : 'spec'])));
  const desired = (mode: string) => capacity.modeswitch.replicas.filter((s) => s.mode === mode).map((s) => s.desired);

  it('wakes the modes live routing used and no other', () => {
    expect(Math.max(...desired('fp16'))).toBe(0);
    expect(Math.max(...desired('int4'))).toBe(0);
    expect(Math.max(...desired('fp8'))).toBeGreaterThanOrEqual(1);
    expect(Math.max(...desired('spec'))).toBeGreaterThanOrEqual(1);
    expect(formatCapacitySection(capacity).join('\n')).toContain(
      'ModeSwitch serves the mode the live router chose for each request',
    );
  });
});

describe('demo capacity timeline of a long replay', () => {
  const metrics = (jpt: number) =>
    ({ gpuHours: 1, fleetJoulesPerOutputToken: jpt, sloAttainment: 1 }) as CapacityMetrics;
  const steps = (mode: string, n: number): ReplicaSample[] =>
    [...Array(n).keys()].map((i) => ({ t: i * 15, mode, desired: i % 3, ready: i % 2 }));
  const section: DemoCapacity = {
    objective: { ttftP95Seconds: 0.5, interToken: { statistic: 'p95', seconds: 0.03 }, qualityBudgetPoints: 0.2 },
    capacity: { maxGpus: 8, scaleDownDelaySeconds: 300, idleToZeroSeconds: 900 },
    baseline: { label: 'always-FP16', metrics: metrics(0.5), replicas: steps('fp16', 240) },
    modeswitch: { label: 'ModeSwitch', metrics: metrics(0.6), replicas: [...steps('spec', 240), ...steps('fp8', 240)] },
    liveRouting: true,
  };
  const lines = formatCapacitySection(section);

  it('shows evenly spaced planning steps, the first and the last, so a line fits a terminal', () => {
    const header = lines.find((l) => l.startsWith('replicas desired/ready'))?.split(/\s{2,}/) ?? [];
    const times = header.slice(2);
    expect(times).toHaveLength(MAX_TIMELINE_COLUMNS);
    expect(times[0]).toBe('0s');
    expect(times.at(-1)).toBe(`${239 * 15}s`);
    expect(timelineRows(lines).map((r) => r[1])).toEqual(['fp16', 'spec', 'fp8']);
  });

  it('leads with the fair comparison, saying "more" when ModeSwitch spends more energy per token', () => {
    expect(lines.join('\n')).toContain('p95 inter-token ≤ 0.03 s');
    expect(lines[0]).toBe(
      'ModeSwitch vs always-FP16, both autoscaled: 20.0% more pool energy per output token ' +
        '(SLO met 100.0% vs 100.0%; simulated, below).',
    );
  });
});
