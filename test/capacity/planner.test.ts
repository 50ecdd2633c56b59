import { seedModeModel } from '../../src/model/mode-model.js';
import {
  planCapacity,
  type ModeDemand,
  type PlannerInput,
  type PlannerMode,
  type PlannerState,
} from '../../src/capacity/planner.js';
import { replicaLoad } from '../../src/capacity/sizing.js';
import { gpuById } from '../../src/model/gpus.js';
import { profileFromModeFlags } from '../../src/model/mode-profile.js';
import { modelById } from '../../src/model/models.js';

const model = seedModeModel(
  gpuById('h100-80gb'),
  modelById('llama-3.1-8b-instruct'),
  profileFromModeFlags({ name: 'fp16', dtype: 'float16' }),
);
/** An interactive SLO (MLPerf's interactive scenario for Llama 3.1 8B, as p95 TTFT and mean inter-token time). */
const target = { ttftP95Seconds: 0.5, interToken: { statistic: 'mean' as const, seconds: 0.03 } };
const quiet: ModeDemand = {
  requestsPerSecond: 0,
  wantedPerSecond: 0,
  meanPromptTokens: 1000,
  meanOutputTokens: 200,
  inFlight: 0,
};

function mode(over: Partial<Omit<PlannerMode, 'demand'>> & { demand?: Partial<ModeDemand> } = {}): PlannerMode {
  return {
    name: 'fp16',
    model,
    minReplicas: 0,
    maxReplicas: 8,
    replicas: 1,
    ready: 1,
    ...over,
    demand: { ...quiet, ...over.demand },
  };
}

function input(modes: PlannerMode[], now = 0, over: Partial<PlannerInput> = {}): PlannerInput {
  return { now, target, maxGpus: 8, scaleDownDelaySeconds: 300, idleToZeroSeconds: 900, modes, ...over };
}

const plan = (modes: PlannerMode[], now = 0, state: PlannerState = {}, over: Partial<PlannerInput> = {}) =>
  planCapacity(input(modes, now, over), state);

describe('planCapacity', () => {
  it('scales a mode up at once as its traffic rises, to replicas that keep the SLO by its model', () => {
    const light = plan([mode({ demand: { requestsPerSecond: 2 } })]).modes[0]!;
    const heavy = plan([mode({ demand: { requestsPerSecond: 80 } })]).modes[0]!;
    expect(light.replicas).toBe(1);
    expect(heavy.replicas).toBeGreaterThan(light.replicas);
    expect(heavy.reason).toMatch(/80\.0 req\/s needs \d+ to keep the SLO/);
    const load = replicaLoad(
      model,
      { requestsPerSecond: 80, meanPromptTokens: 1000, meanOutputTokens: 200 },
      heavy.replicas,
    )!;
    expect(load.interTokenSeconds).toBeLessThanOrEqual(0.03);
    expect(load.ttftP95Seconds).toBeLessThanOrEqual(0.5);
  });

  it('counts warming replicas as on their way: no second scale-up for the same traffic', () => {
    const first = plan([mode({ demand: { requestsPerSecond: 40 } })]);
    const n = first.modes[0]!.replicas;
    const again = plan([mode({ replicas: n, ready: 1, demand: { requestsPerSecond: 40 } })], 10, first.state).modes[0]!;
    expect(again.replicas).toBe(n);
  });

  it('waits the scale-down delay before giving a replica back, and says how long is left', () => {
    let state: PlannerState = {};
    const at = (now: number) => {
      const p = plan([mode({ replicas: 4, ready: 4, demand: { requestsPerSecond: 2 } })], now, state);
      state = p.state;
      return p.modes[0]!;
    };
    expect(at(0)).toMatchObject({
      replicas: 4,
      reason: expect.stringMatching(/waiting 300 s more before scaling down from 4/),
    });
    expect(at(200).replicas).toBe(4);
    expect(at(300)).toMatchObject({ replicas: 1, reason: expect.stringMatching(/scaling down from 4/) });
  });

  it('holds replicas when traffic sits in the hysteresis band between the up and down fills', () => {
    const up = plan([mode({ replicas: 0, ready: 0, demand: { requestsPerSecond: 40 } })]).modes[0]!.replicas;
    // A little less traffic than sized for: not enough to give a replica back.
    const p = plan([mode({ replicas: up, ready: up, demand: { requestsPerSecond: 36 } })], 1000, {
      fp16: { lastActive: 0, lowSince: 0 },
    }).modes[0]!;
    expect(p.replicas).toBe(up);
  });

  it('scales an idle mode to zero only after the idle delay, and never while requests are in flight', () => {
    let state: PlannerState = {};
    const at = (now: number, inFlight = 0) => {
      const p = plan([mode({ replicas: 1, ready: 1, demand: { inFlight } })], now, state);
      state = p.state;
      return p.modes[0]!;
    };
    expect(at(0, 3).replicas).toBe(1);
    expect(at(600)).toMatchObject({ replicas: 1, reason: 'idle 600 s of the 900 s before scaling to zero' });
    expect(at(899).replicas).toBe(1);
    expect(at(1200)).toMatchObject({ replicas: 0, reason: expect.stringMatching(/idle for 1200 s: scaled to zero/) });
  });

  it('keeps minReplicas and a fixed mode whatever the traffic', () => {
    const p = plan(
      [mode({ minReplicas: 2, replicas: 2, ready: 2 }), mode({ name: 'fp8', fixedReplicas: 1, replicas: 1 })],
      5000,
      { fp16: { lastActive: 0, lowSince: 0 } },
    );
    expect(p.modes).toEqual([
      { mode: 'fp16', replicas: 2, reason: expect.any(String) },
      { mode: 'fp8', replicas: 1, reason: 'fixed at 1 by spec.modes[].replicas' },
    ]);
  });

  it('wakes a mode at zero when the router wanted to send it traffic', () => {
    const p = plan([mode({ replicas: 0, ready: 0, demand: { wantedPerSecond: 0.2 } })]).modes[0]!;
    expect(p).toEqual({
      mode: 'fp16',
      replicas: 1,
      reason: 'waking from zero: 0.20 req/s (0.20 req/s wanted here, served elsewhere)',
    });
  });

  it('never exceeds the GPU budget, gives spare GPUs to the least served mode, and says so', () => {
    const p = plan(
      [
        mode({ name: 'a', replicas: 1, demand: { requestsPerSecond: 80 } }),
        mode({ name: 'b', replicas: 1, demand: { requestsPerSecond: 80 } }),
      ],
      0,
      {},
      { maxGpus: 5 },
    );
    const total = p.modes.reduce((s, m) => s + m.replicas, 0);
    expect(total).toBe(5);
    expect(Math.abs(p.modes[0]!.replicas - p.modes[1]!.replicas)).toBeLessThanOrEqual(1);
    expect(p.modes.map((m) => m.reason).join('\n')).toMatch(/GPU budget 5: wants 3, holds 2/);
  });

  it('gives replicas back when the budget is lowered below what is held, keeping floors', () => {
    const p = plan(
      [
        mode({ name: 'a', replicas: 4, ready: 4, minReplicas: 1, demand: { requestsPerSecond: 80 } }),
        mode({ name: 'b', replicas: 4, ready: 4, demand: { requestsPerSecond: 80 } }),
      ],
      0,
      {},
      { maxGpus: 3 },
    );
    expect(p.modes.reduce((s, m) => s + m.replicas, 0)).toBe(3);
  });

  it('counts the power budget at each GPU board limit', () => {
    const p = plan(
      [mode({ replicas: 0, ready: 0, demand: { requestsPerSecond: 200 } })],
      0,
      {},
      { powerBudgetWatts: 2100 },
    );
    expect(p.modes[0]!.replicas).toBe(3);
  });

  it('sizes for throughput and says so when a lone sequence already misses the SLO', () => {
    const p = plan(
      [mode({ replicas: 0, ready: 0, demand: { requestsPerSecond: 1 } })],
      0,
      {},
      { target: { ttftP95Seconds: 0.5, interToken: { statistic: 'p95', seconds: 0.001 } } },
    ).modes[0]!;
    expect(p.replicas).toBe(1);
    expect(p.reason).toMatch(/cannot be met in this mode even at batch 1/);
  });

  describe('bursts (Knative panic mode)', () => {
    const burst = { seconds: 15, requestsPerSecond: 120, meanPromptTokens: 1000, meanOutputTokens: 200 };
    const calm = { seconds: 15, requestsPerSecond: 2, meanPromptTokens: 1000, meanOutputTokens: 200 };

    it('sizes on the short window when its traffic needs twice the ready replicas, and says so', () => {
      const p = plan([mode({ demand: { requestsPerSecond: 2, recent: burst } })]).modes[0]!;
      const needed = plan([mode({ replicas: 0, ready: 0, demand: { requestsPerSecond: 120 } })]).modes[0]!.replicas;
      expect(needed).toBeGreaterThanOrEqual(2);
      expect(p.replicas).toBe(needed);
      expect(p.reason).toBe(
        `burst: 120.0 req/s over the last 15 s needs ${needed}, ${needed.toFixed(1)}× the 1 ready (panic at 2×); scaling up, no scale-down for 60 s`,
      );
    });

    it('leaves a short-window rise below the panic threshold to the stable window', () => {
      // The short window needs as many replicas as are ready, under twice them: the stable window decides.
      const rise = { ...burst, requestsPerSecond: 60 };
      const need = plan([mode({ replicas: 0, ready: 0, demand: { requestsPerSecond: 60 } })]).modes[0]!.replicas;
      const p = plan([mode({ replicas: need, ready: need, demand: { requestsPerSecond: 2, recent: rise } })], 0, {
        fp16: { lastActive: 0 },
      }).modes[0]!;
      expect(p.replicas).toBe(need);
      expect(p.reason).toMatch(/^2\.00 req\/s fits 1; waiting 300 s more/);
    });

    it('gives nothing back for a stable window after the last burst, then waits the scale-down delay as usual', () => {
      let state: PlannerState = {};
      const at = (now: number, replicas: number, recent: typeof burst) => {
        const p = plan([mode({ replicas, ready: replicas, demand: { requestsPerSecond: 2, recent } })], now, state);
        state = p.state;
        return p.modes[0]!;
      };
      const n = at(0, 1, burst).replicas;
      expect(at(15, n, calm)).toEqual({
        mode: 'fp16',
        replicas: n,
        reason: `burst 15 s ago: holding ${n}, no scale-down for 45 s more`,
      });
      expect(at(45, n, calm).replicas).toBe(n);
      expect(at(60, n, calm)).toMatchObject({
        replicas: n,
        reason: expect.stringMatching(/waiting 300 s more before scaling down/),
      });
    });
  });

  describe('observed time to first token', () => {
    const slow = { p95Seconds: 1.2, count: 300 };

    /** A mode that has held `replicas`, all ready, since t = 0: the state the planner keeps between calls. */
    const steady = (replicas: number): PlannerState => ({ fp16: { lastActive: 0, replicas, steadySince: 0 } });

    it('adds a replica when the routers see the p95 past the target though sizing says enough', () => {
      const p = plan([mode({ demand: { requestsPerSecond: 2, observedTtft: slow } })], 60, steady(1)).modes[0]!;
      expect(p).toEqual({
        mode: 'fp16',
        replicas: 2,
        reason:
          'observed p95 TTFT 1.20 s over the last 60 s (300 first tokens) is above the 0.5 s target though 2.00 req/s should fit 1; adding 1',
      });
    });

    it('waits until the new size has served a whole window before adding another, and gives none back meanwhile', () => {
      const first = plan([mode({ demand: { requestsPerSecond: 2, observedTtft: slow } })], 60, steady(1));
      // The new replica is loading, then ready: the window still holds first tokens from before it.
      const loading = plan(
        [mode({ replicas: 2, ready: 1, demand: { requestsPerSecond: 2, observedTtft: slow } })],
        75,
        first.state,
      );
      expect(loading.modes[0]).toMatchObject({
        replicas: 2,
        reason: expect.stringMatching(/above the 0.5 s target: holding 2, no scale-down/),
      });
      const ready = plan(
        [mode({ replicas: 2, ready: 2, demand: { requestsPerSecond: 2, observedTtft: slow } })],
        105,
        loading.state,
      );
      expect(ready.modes[0]!.replicas).toBe(2);
      expect(
        plan([mode({ replicas: 2, ready: 2, demand: { requestsPerSecond: 2, observedTtft: slow } })], 165, ready.state)
          .modes[0]!.replicas,
      ).toBe(3);
    });

    it('does not act on a p95 from fewer than 20 first tokens, or on one within the target', () => {
      expect(
        plan(
          [mode({ demand: { requestsPerSecond: 0.1, observedTtft: { p95Seconds: 1.2, count: 19 } } })],
          60,
          steady(1),
        ).modes[0]!.replicas,
      ).toBe(1);
      expect(
        plan([mode({ demand: { requestsPerSecond: 2, observedTtft: { p95Seconds: 0.4, count: 300 } } })], 60, steady(1))
          .modes[0]!.replicas,
      ).toBe(1);
    });
  });
});
