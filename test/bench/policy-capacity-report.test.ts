import { capacityRows, capacityTable, capacityVerdict } from '../../bench/policy/capacity.js';
import type { CapacityMetrics } from '../../src/replay/scaling/capacity-metrics.js';
import type { CapacityStrategyResult } from '../../src/replay/scaling/capacity-strategies.js';

function result(
  name: string,
  kind: CapacityStrategyResult['kind'],
  m: { fleet: number; slo: number; quality?: number },
): CapacityStrategyResult {
  const metrics: CapacityMetrics = {
    requests: 100,
    outputTokens: 1000,
    gpuHours: 1,
    fleetJoulesPerOutputToken: m.fleet,
    requestJoulesPerOutputToken: m.fleet * 0.9,
    meanLatencySeconds: 0.5,
    ttftP95Seconds: 0.1,
    interTokenMeanSeconds: 0.01,
    sloAttainment: m.slo,
    qualityDeltaPoints: m.quality ?? 0,
    modeShares: [{ mode: name, share: 1, requests: 100 }],
  };
  return { name, kind, metrics };
}

describe('capacity benchmark report', () => {
  it('measures pool savings against always-FP16 autoscaled and checks each target of the issue', () => {
    const rows = capacityRows([
      result('always-fp16 (autoscaled)', 'baseline', { fleet: 1, slo: 0.9 }),
      result('fixed spec (autoscaled)', 'fixed', { fleet: 0.6, slo: 0.95 }),
      result('ModeSwitch (capacity + objective)', 'modeswitch', { fleet: 0.45, slo: 0.95, quality: -0.1 }),
    ]);
    expect(rows.map((r) => r.fleetEnergySaving)).toEqual([0, expect.closeTo(0.4), expect.closeTo(0.55)]);
    expect(capacityVerdict(rows)).toEqual([
      '- pool energy per output token 55.0% below always-FP16 autoscaled (target ≥ 51.7%): met',
      "- SLO attainment 95.0% against always-FP16's 90.0% (target: at least as high): met",
      '- modelled quality -0.10 points (target within 0.2): met',
      '- against the best single mode at no better SLO attainment (fixed spec (autoscaled), 0.600 J/token): 0.450 J/token, met',
    ]);
    expect(capacityTable(rows).split('\n')).toHaveLength(5);
  });

  it('says NOT met where ModeSwitch only ties the best single mode or misses the saving', () => {
    const rows = capacityRows([
      result('always-fp16 (autoscaled)', 'baseline', { fleet: 1, slo: 1 }),
      result('fixed spec (autoscaled)', 'fixed', { fleet: 0.8, slo: 1 }),
      result('ModeSwitch (capacity + objective)', 'modeswitch', { fleet: 0.8, slo: 1 }),
    ]);
    const verdict = capacityVerdict(rows).join('\n');
    expect(verdict).toContain('20.0% below always-FP16 autoscaled (target ≥ 51.7%): NOT met');
    expect(verdict).toContain('0.800 J/token): 0.800 J/token, NOT met');
  });
});
