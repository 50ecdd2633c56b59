import { compareCapacity } from '../../src/replay/scaling/capacity-strategies.js';
import { loadTrace, sliceTrace } from '../../src/sim/workload/trace.js';
import { synthesizeWorkload } from '../../src/sim/workload/synthesize.js';
import { loadExample } from '../support/policies.js';

describe('compareCapacity', () => {
  const requests = synthesizeWorkload(sliceTrace(loadTrace('conv'), 0, 120), { trace: 'conv', seed: 1 });
  const results = compareCapacity({
    policy: loadExample(),
    requests,
    gpu: 'h100-80gb',
    model: 'llama-3.1-8b-instruct',
    seed: 1,
    baselineMode: 'fp16',
    target: { ttftP95Seconds: 0.5, interToken: { statistic: 'mean', seconds: 0.03 } },
    qualityBudgetPoints: 0.2,
    capacity: { maxGpus: 2, scaleDownDelaySeconds: 300, idleToZeroSeconds: 900 },
  });
  const byKind = (kind: string) => results.filter((r) => r.kind === kind);

  it('runs every strategy on the same requests, always-FP16 first', () => {
    expect(results.map((r) => r.name)).toEqual([
      'always-fp16 (autoscaled)',
      'fixed fp8 (autoscaled)',
      'fixed int4 (autoscaled)',
      'fixed spec (autoscaled)',
      'policy, static (today)',
      'ModeSwitch (capacity + objective)',
      'ModeSwitch, objective only (rules ignored)',
      'oracle (hindsight, autoscaled)',
    ]);
    for (const r of results) expect(r.metrics.requests).toBe(requests.length);
  });

  it('holds the static pool for the whole replay, and fewer GPU hours when the planner sizes the modes', () => {
    const staticRow = byKind('static')[0]!.metrics;
    const modeswitch = byKind('modeswitch')[0]!;
    expect(staticRow.gpuHours).toBeGreaterThan((3 * 120) / 3600);
    expect(modeswitch.metrics.gpuHours).toBeLessThan(staticRow.gpuHours);
    expect(modeswitch.metrics.fleetJoulesPerOutputToken).toBeLessThan(staticRow.fleetJoulesPerOutputToken);
  });

  it.each(['modeswitch', 'objective-only'])(
    'keeps ModeSwitch (%s) within the GPU budget and its mean quality within the budget',
    (kind) => {
      const modeswitch = byKind(kind)[0]!;
      const perStep = new Map<number, number>();
      for (const s of modeswitch.run!.replicas) perStep.set(s.t, (perStep.get(s.t) ?? 0) + s.desired);
      expect(Math.max(...perStep.values())).toBeLessThanOrEqual(2);
      expect(modeswitch.metrics.qualityDeltaPoints).toBeGreaterThanOrEqual(-0.2);
      expect(modeswitch.metrics.sloAttainment).toBeGreaterThan(0.9);
    },
  );
});
