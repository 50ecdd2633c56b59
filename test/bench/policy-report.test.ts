import { benchRows } from '../../bench/policy/rows.js';
import { markdownTable } from '../../bench/policy/markdown.js';
import { verdictLines } from '../../bench/policy/verdict.js';
import type { FleetMetrics } from '../../src/replay/fleet-metrics.js';
import type { FleetRun } from '../../src/replay/replay-fleet.js';
import type { Comparison, StrategyResult } from '../../src/replay/strategies.js';

function strategy(
  name: string,
  kind: StrategyResult['kind'],
  m: { latency: number; perRequest: number; fleet: number; quality?: number },
): StrategyResult {
  const metrics: FleetMetrics = {
    requests: 100,
    outputTokens: 1000,
    meanLatencySeconds: m.latency,
    p95LatencySeconds: m.latency * 2,
    meanTtftSeconds: 0.02,
    p95TtftSeconds: 0.05,
    joulesPerOutputToken: m.fleet,
    requestJoulesPerOutputToken: m.perRequest,
    energyJoules: m.fleet * 1000,
    qualityDeltaPoints: m.quality ?? 0,
    modeShares: [{ mode: name, share: 1, requests: 100 }],
    unroutable: 0,
    seconds: 60,
  };
  return { name, kind, gpus: 3, metrics, run: {} as FleetRun };
}

function comparison(policy: { latency: number; perRequest: number; fleet: number; quality: number }): Comparison {
  return {
    strategies: [
      strategy('always-fp16', 'baseline', { latency: 2, perRequest: 1, fleet: 1.2 }),
      strategy('ModeSwitch policy', 'policy', policy),
      strategy('oracle (hindsight)', 'oracle', { latency: 1, perRequest: 0.5, fleet: 0.8 }),
    ],
    oracle: new Map(),
  };
}

describe('policy benchmark report', () => {
  it('checks the energy target per request and reports the pool-wide saving beside it', () => {
    const rows = benchRows(comparison({ latency: 0.5, perRequest: 0.4, fleet: 0.9, quality: -0.1 }));
    const policy = rows.find((r) => r.kind === 'policy')!;
    expect(policy.latencySpeedup).toBeCloseTo(4);
    expect(policy.requestEnergySaving).toBeCloseTo(0.6);
    expect(policy.fleetEnergySaving).toBeCloseTo(0.25);
    // Per request the oracle saves 0.5 J/token, the policy 0.6; over the pool 0.4 and 0.3.
    expect(policy.oracleSavingsCaptured).toBeCloseTo(1.2);
    expect(policy.fleetOracleSavingsCaptured).toBeCloseTo(0.75);
    const verdict = verdictLines(rows).join('\n');
    expect(verdict).toMatch(/4\.00x lower .*: met/);
    expect(verdict).toMatch(
      /60\.0% lower, per request as published \(target ≥ 51\.7%\): met; over the whole pool, idle GPUs included: 25\.0%/,
    );
    expect(verdict).toMatch(/oracle's energy savings captured: 120%.*: met/);
    expect(markdownTable(rows)).toContain('| 60.0% (25.0%) | 120.0% (75.0%) |');
  });

  it('says NOT met for each target the policy misses', () => {
    const verdict = verdictLines(benchRows(comparison({ latency: 1.5, perRequest: 0.7, fleet: 1.1, quality: -0.3 })));
    expect(verdict.filter((l) => l.includes('NOT met'))).toHaveLength(4);
  });
});
