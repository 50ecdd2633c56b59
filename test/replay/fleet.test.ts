import { loadExample, clone } from '../support/policies.js';
import { fleetModesOf, singleModeFleet } from '../../src/model/policy-modes.js';
import { createFleetPool } from '../../src/replay/fleet/pool.js';
import { replayFleet } from '../../src/replay/replay-fleet.js';
import { fixedModeDispatcher } from '../../src/replay/dispatch/fixed-mode.js';
import { policyDispatcher } from '../../src/replay/dispatch/policy.js';
import { modelById } from '../../src/model/models.js';
import { qualityOfModes } from '../../src/model/quality.js';
import { fleetMetrics, quantile } from '../../src/replay/fleet-metrics.js';
import { oracleAssignment } from '../../src/replay/oracle.js';
import { compareStrategies } from '../../src/replay/strategies.js';
import { coreRequestOf } from '../../src/replay/fleet/core-request.js';
import { loadTrace, sliceTrace } from '../../src/sim/workload/trace.js';
import { synthesizeWorkload, type WorkloadRequest } from '../../src/sim/workload/synthesize.js';

const GPU = 'h100-80gb';
const MODEL = 'llama-3.1-8b-instruct';
const conv = synthesizeWorkload(sliceTrace(loadTrace('conv'), 0, 20), { trace: 'conv', seed: 3 });

function request(over: Partial<WorkloadRequest>): WorkloadRequest {
  return {
    id: 0,
    arrivalSeconds: 0,
    inputTokens: 600,
    outputTokens: 50,
    type: 'chat',
    difficulty: 0.5,
    prefixGroup: -1,
    prefixTokens: 0,
    temperature: 0,
    ...over,
  };
}

describe('fleet modes from a policy', () => {
  it('turns each policy mode into a simulator profile with its replicas', () => {
    const modes = fleetModesOf(loadExample());
    expect(modes.map((m) => [m.name, m.replicas])).toEqual([
      ['fp16', 1],
      ['fp8', 1],
      ['int4', 0],
      ['spec', 1],
    ]);
    expect(modes.find((m) => m.name === 'int4')?.profile.qualityClass).toBe('int4-awq');
    expect(modes.find((m) => m.name === 'spec')?.profile.speculative?.method).toBe('eagle3');
  });

  it('gives a fixed-mode alternative the same GPU count, and names a missing mode', () => {
    const modes = fleetModesOf(loadExample());
    expect(singleModeFleet(modes, 'fp8')).toEqual([expect.objectContaining({ name: 'fp8', replicas: 3 })]);
    expect(() => singleModeFleet(modes, 'bf16')).toThrow(/no mode "bf16".*fp16, fp8, int4, spec/);
  });
});

describe('core requests', () => {
  it('shares KV block hashes inside a shared system prompt only', () => {
    const a = coreRequestOf(request({ id: 1, inputTokens: 1000, prefixGroup: 2, prefixTokens: 512 }), true);
    const b = coreRequestOf(request({ id: 2, inputTokens: 1000, prefixGroup: 2, prefixTokens: 512 }), true);
    expect(a.blockHashes?.slice(0, 32)).toEqual(b.blockHashes?.slice(0, 32));
    expect(a.blockHashes?.[32]).not.toEqual(b.blockHashes?.[32]);
    expect(coreRequestOf(request({}), false).blockHashes).toBeUndefined();
  });
});

describe('replayFleet', () => {
  it('serves every request once and counts every GPU energy, idle included', () => {
    const modes = singleModeFleet(fleetModesOf(loadExample()), 'fp16');
    const gpus = createFleetPool({ gpu: GPU, model: MODEL, modes, seed: 1 });
    const run = replayFleet({ gpus, dispatcher: fixedModeDispatcher(gpus), requests: conv, tickSeconds: 1 });
    expect(run.outcomes.map((o) => o.request.id).sort((a, b) => a - b)).toEqual(conv.map((r) => r.id));
    expect(run.outcomes.every((o) => o.result.outputTokens === o.request.outputTokens)).toBe(true);
    expect(run.energyJoules).toBeGreaterThan(run.requestEnergyJoules);
    // Three GPUs idle at 100 W at least over the whole replay.
    expect(run.energyJoules).toBeGreaterThanOrEqual(3 * 100 * run.seconds - 1e-6);
    expect(new Set(run.outcomes.map((o) => o.gpu)).size).toBe(3);
  });

  it('is deterministic for a seed', () => {
    const once = () => {
      const modes = fleetModesOf(loadExample());
      const gpus = createFleetPool({ gpu: GPU, model: MODEL, modes, seed: 7 });
      return fleetMetrics(
        replayFleet({
          gpus,
          dispatcher: policyDispatcher({ policy: loadExample(), gpus }),
          requests: conv,
          tickSeconds: 1,
        }),
        qualityOfModes(new Map(modes.map((m) => [m.name, m.profile])), modelById(MODEL)),
      );
    };
    expect(once()).toEqual(once());
  });
});

describe('policy dispatcher (the router decide code)', () => {
  const modes = fleetModesOf(loadExample());

  it('sends each request where the example policy rules say', () => {
    const gpus = createFleetPool({ gpu: GPU, model: MODEL, modes, seed: 1 });
    const d = policyDispatcher({ policy: loadExample(), gpus });
    d.observe?.(0);
    expect(d.dispatch(request({ id: 1, type: 'chat', difficulty: 0.1 }), 0.1)).toMatchObject({
      rule: 'default',
      gpu: { mode: 'spec' },
    });
    expect(d.dispatch(request({ id: 2, type: 'math', difficulty: 0.9 }), 0.1)).toMatchObject({
      rule: 'default',
      gpu: { mode: 'spec' },
    });
    expect(d.dispatch(request({ id: 3, type: 'code', inputTokens: 5000, outputTokens: 20 }), 0.1)).toMatchObject({
      rule: 'long-prompt-short-answer',
      gpu: { mode: 'fp8' },
    });
  });

  it('follows the fallback chain when a guard trips on live queue depth', () => {
    const policy = clone(loadExample());
    policy.spec.routing.guards = { maxQueueDepth: 0, telemetryMaxAgeSeconds: 5 };
    const gpus = createFleetPool({ gpu: GPU, model: MODEL, modes, seed: 1 });
    const spec = gpus.find((g) => g.mode === 'spec')!;
    for (let i = 0; i < 300; i += 1)
      spec.core.submit({ id: `fill-${i}`, promptTokens: 8000, outputTokens: 10, maxTokens: 10 }, () => undefined);
    spec.core.advanceTo(0.001);
    const d = policyDispatcher({ policy, gpus });
    d.observe?.(0.001);
    expect(d.dispatch(request({ id: 9, type: 'math' }), 0.002)).toMatchObject({ gpu: { mode: 'fp8' } });
  });
});

describe('oracle', () => {
  const requests = [request({ id: 1, type: 'chat' }), request({ id: 2, type: 'math' })];
  const energy = new Map([
    [
      'fp16',
      new Map([
        [1, 10],
        [2, 10],
      ]),
    ],
    [
      'int4',
      new Map([
        [1, 4],
        [2, 4],
      ]),
    ],
  ]);
  const quality = (mode: string, type: string) => (mode === 'fp16' ? 0 : type === 'math' ? -2.5 : -0.8);

  it('takes the cheapest mode when the quality gate allows it', () => {
    expect(oracleAssignment({ requests, energy, quality, maxMeanLossPoints: 5 })).toEqual(
      new Map([
        [1, 'int4'],
        [2, 'int4'],
      ]),
    );
  });

  it('spends the quality budget where it costs least accuracy', () => {
    // 0.4 points mean allows chat (0.8 → 0.4 mean) on int4 but not math (2.5 → 1.25).
    expect(oracleAssignment({ requests, energy, quality, maxMeanLossPoints: 0.4 })).toEqual(
      new Map([
        [1, 'int4'],
        [2, 'fp16'],
      ]),
    );
    expect(oracleAssignment({ requests, energy, quality, maxMeanLossPoints: 0 })).toEqual(
      new Map([
        [1, 'fp16'],
        [2, 'fp16'],
      ]),
    );
  });
});

describe('compareStrategies', () => {
  it('runs every strategy on the same GPUs with the baseline first and the oracle within the gate', () => {
    const c = compareStrategies({
      policy: loadExample(),
      requests: conv,
      gpu: GPU,
      model: MODEL,
      seed: 1,
      baselineMode: 'fp16',
      maxMeanLossPoints: 0.2,
      tickSeconds: 1,
    });
    expect(c.strategies.map((s) => s.name)).toEqual([
      'always-fp16',
      'fixed fp8',
      'fixed int4',
      'fixed spec',
      'ModeSwitch policy',
      'oracle (hindsight)',
    ]);
    expect(new Set(c.strategies.map((s) => s.gpus))).toEqual(new Set([3]));
    // int4 is scaled to zero in the example: it has its fixed-mode row but serves nothing for the oracle.
    expect(new Set(c.oracle.values()).has('int4')).toBe(false);
    expect(c.strategies.every((s) => s.metrics.requests === conv.length)).toBe(true);
    const oracle = c.strategies.find((s) => s.kind === 'oracle')!;
    expect(oracle.metrics.qualityDeltaPoints).toBeGreaterThanOrEqual(-0.2 - 1e-9);
    expect(c.strategies[0]!.metrics.qualityDeltaPoints).toBe(0);
  });

  it('keeps the baseline of a mode scaled to zero, but never lets the oracle use it', () => {
    const policy = clone(loadExample());
    policy.spec.modes.find((m) => m.name === 'fp16')!.replicas = 0;
    const c = compareStrategies({
      policy,
      requests: conv,
      gpu: GPU,
      model: MODEL,
      seed: 1,
      baselineMode: 'fp16',
      maxMeanLossPoints: 0.2,
      tickSeconds: 1,
    });
    expect(c.strategies[0]).toMatchObject({ name: 'always-fp16', gpus: 2 });
    expect(new Set(c.oracle.values()).has('fp16')).toBe(false);
    expect(c.strategies.find((s) => s.kind === 'oracle')!.metrics.requests).toBe(conv.length);
  });
});

describe('quantile', () => {
  it('uses the nearest rank', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(quantile([], 0.5)).toBe(0);
  });
});
