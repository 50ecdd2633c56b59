import { seedModeModel } from '../../src/model/mode-model.js';
import { fleetModesOf } from '../../src/model/policy-modes.js';
import { DemandWindow } from '../../src/replay/scaling/demand-window.js';
import { replayScaled, type ReplayMode } from '../../src/replay/scaling/replay-scaled.js';
import { assignedDispatcher, objectiveDispatcher } from '../../src/replay/scaling/scaled-dispatch.js';
import { LiveModeModels } from '../../src/router/learn/live-mode-models.js';
import { ScalingPool, type ScalingPod } from '../../src/replay/scaling/scaling-pool.js';
import { coreRequestOf } from '../../src/replay/fleet/core-request.js';
import { gpuById } from '../../src/model/gpus.js';
import { profileFromModeFlags } from '../../src/model/mode-profile.js';
import { modelById } from '../../src/model/models.js';
import type { RequestResult } from '../../src/sim/engine/core-types.js';
import type { WorkloadRequest } from '../../src/sim/workload/synthesize.js';
import { clone, loadExample } from '../support/policies.js';

const GPU = 'h100-80gb';
const MODEL = 'llama-3.1-8b-instruct';
const profile = profileFromModeFlags({ name: 'fp8', quantization: 'fp8' });
const model = seedModeModel(gpuById(GPU), modelById(MODEL), profile);
const START_SECONDS = 40;
const modes = [
  { name: 'a', profile, startSeconds: START_SECONDS },
  { name: 'b', profile, startSeconds: START_SECONDS },
];

function request(id: number, arrivalSeconds: number, outputTokens = 100): WorkloadRequest {
  return {
    id,
    arrivalSeconds,
    inputTokens: 200,
    outputTokens,
    type: 'chat',
    difficulty: 0.3,
    prefixGroup: -1,
    prefixTokens: 0,
    temperature: 0,
  };
}

describe('ScalingPool', () => {
  it('serves from a new pod only once it has loaded, charging idle power while it loads and nothing once stopped', () => {
    const pool = new ScalingPool({ gpu: GPU, model: MODEL, modes, seed: 1 });
    pool.setReplicas('a', 1, 0);
    expect(pool.count('a', 10)).toEqual({ replicas: 1, ready: 0 });
    pool.advanceTo(START_SECONDS);
    expect(pool.ready('a', START_SECONDS)).toHaveLength(1);
    const pod = pool.pods()[0]!;
    expect(pod.core.energyJoules()).toBeCloseTo(START_SECONDS * gpuById(GPU).idleWatts, 3);
    pool.setReplicas('a', 0, 50);
    pool.advanceTo(500);
    expect(pod.stoppedAt).toBe(50);
    expect(pod.core.energyJoules()).toBeCloseTo(50 * gpuById(GPU).idleWatts, 3);
  });

  it('drains a pod with requests in flight instead of cutting them off', () => {
    const pool = new ScalingPool({ gpu: GPU, model: MODEL, modes, seed: 1 });
    pool.addReady('a', 0, 1);
    const pod = pool.pods()[0]!;
    pod.inFlight = 1;
    pool.setReplicas('a', 0, 5);
    expect(pod.draining).toBe(true);
    expect(pod.stoppedAt).toBeUndefined();
    expect(pool.ready('a', 5)).toEqual([]);
    pod.inFlight = 0;
    pool.advanceTo(6);
    expect(pod.stoppedAt).toBe(6);
  });
});

describe('replayScaled', () => {
  // Mode a takes a light steady stream; mode b, at zero, is asked for in a burst and then not at all.
  const requests: WorkloadRequest[] = [];
  for (let t = 0; t < 900; t += 2) requests.push(request(requests.length, t));
  for (let t = 100; t < 250; t += 0.04) requests.push(request(requests.length, t, 200));
  const burst = (r: WorkloadRequest) => r.arrivalSeconds >= 100 && r.arrivalSeconds < 250 && r.outputTokens === 200;
  const replayModes: ReplayMode[] = [
    { name: 'a', model, minReplicas: 1, maxReplicas: 4 },
    { name: 'b', model, minReplicas: 0, maxReplicas: 4 },
  ];
  const target = { ttftP95Seconds: 0.5, interToken: { statistic: 'mean' as const, seconds: 0.006 } };
  /** Live models of the modes in `seeded`, each from `seed`, as a router seeds them. */
  const liveModels = (seeded: readonly string[], seed = model) => {
    const models = new LiveModeModels();
    models.modelsOf({
      modes: new Map(seeded.map((name) => [name, { model: seed, profile, servedModel: modelById(MODEL) }])),
    });
    return models;
  };
  const replay = (replayModes: ReplayMode[], models: LiveModeModels) => {
    const pool = new ScalingPool({ gpu: GPU, model: MODEL, modes, seed: 1 });
    pool.addReady('a', 0, 1);
    return replayScaled({
      pool,
      modes: replayModes,
      dispatch: assignedDispatcher((r) => (burst(r) ? 'b' : 'a'), ['a', 'b']),
      models,
      requests,
      target,
      capacity: { maxGpus: 4, scaleDownDelaySeconds: 60, idleToZeroSeconds: 120 },
    });
  };
  const run = replay(replayModes, liveModels(['a', 'b']));
  const b = run.replicas.filter((s) => s.mode === 'b');

  it('serves every request, the first of a cold mode on a warm one, and wakes the cold mode on that wanted demand', () => {
    expect(run.outcomes).toHaveLength(requests.length);
    const firstB = b.find((s) => s.desired > 0)!;
    expect(firstB.t).toBeLessThanOrEqual(115);
    expect(run.outcomes.filter((o) => burst(o.request) && o.mode === 'a').length).toBeGreaterThan(0);
    expect(run.outcomes.filter((o) => burst(o.request) && o.mode === 'b').length).toBeGreaterThan(0);
  });

  it('scales the busy mode past one replica, within the GPU budget at every step', () => {
    expect(Math.max(...b.map((s) => s.desired))).toBeGreaterThan(1);
    const byTime = new Map<number, number>();
    for (const s of run.replicas) byTime.set(s.t, (byTime.get(s.t) ?? 0) + s.desired);
    expect(Math.max(...byTime.values())).toBeLessThanOrEqual(4);
  });

  it('scales the mode back to zero once idle for the idle delay, and holds the GPUs only while needed', () => {
    expect(b.at(-1)!.desired).toBe(0);
    const zeroAt = b.find((s) => s.t > 250 && s.desired === 0)!.t;
    expect(zeroAt).toBeGreaterThanOrEqual(250 + 120);
    expect(run.reasons['b']).toMatch(/0\.00 req\/s|idle/);
    expect(run.gpuSeconds).toBeLessThan(4 * run.seconds);
    expect(run.gpuSeconds).toBeGreaterThan(run.seconds);
  });

  it("plans on the router's fit of what the engines answered: a seed ten times too fast is corrected, and the burst is sized on the truth", () => {
    const tooFast = {
      ...model,
      interToken: { intercept: model.interToken.intercept / 10, slope: model.interToken.slope / 10 },
    };
    const optimistic = replayModes.map((m) => ({ ...m, model: tooFast }));
    const peakOfB = (r: typeof run) => Math.max(...r.replicas.filter((s) => s.mode === 'b').map((s) => s.desired));
    // Mode b never fitted: the planner sizes the burst on the seed alone, which says one replica keeps the SLO.
    const seedOnly = replay(optimistic, liveModels(['a'], tooFast));
    const fitting = liveModels(['a', 'b'], tooFast);
    const fitted = replay(optimistic, fitting);
    const fit = fitting.fitted().get('b')!;
    expect(fit.interToken.intercept).toBeGreaterThan(2 * tooFast.interToken.intercept);
    expect(peakOfB(fitted)).toBeGreaterThan(peakOfB(seedOnly));
  });
});

describe('DemandWindow', () => {
  /** A request that arrived at `t` and finished a second later, its first token `ttft` after arrival. */
  const done = (t: number, prompt: number, generated: number, ttft: number): RequestResult => ({
    id: String(t),
    promptTokens: prompt,
    cachedPromptTokens: 0,
    outputTokens: generated,
    finishReason: 'stop',
    arrivalTime: t,
    firstTokenTime: t + ttft,
    finishTime: t + 1,
    energyJoules: 0,
    preemptions: 0,
  });

  it("gives the planner the stable window's rate, the last step on its own, and the p95 TTFT the routers' buckets show", () => {
    const w = new DemandWindow();
    const idle = new Map([['spec', 7]]);
    w.read(0, idle);
    // 1 req/s for 45 s, then 10 req/s for 15 s, all served by spec.
    for (let t = 0; t < 45; t += 1) w.finished('spec', undefined, t, done(t, 1000, 100, 0.2));
    for (const t of [15, 30, 45]) expect(w.read(t, idle).get('spec')?.requestsPerSecond).toBeGreaterThan(0);
    for (let t = 45; t < 59.99; t += 0.1) w.finished('spec', 'fp8', t, done(t, 2000, 20, 0.2));
    const d = w.read(60, idle).get('spec')!;
    expect(d.requestsPerSecond).toBeCloseTo(195 / 60);
    expect(d.recent).toEqual({
      seconds: 15,
      requestsPerSecond: expect.closeTo(10, 6),
      meanPromptTokens: 2000,
      meanOutputTokens: 20,
    });
    expect(d.inFlight).toBe(7);
    // Meant for fp8, served by spec: wanted demand, over the four steps the stable window holds at 75 s.
    expect(w.read(75, idle).get('fp8')?.wantedPerSecond).toBeCloseTo(150 / 60);
    // Everything older than the stable window drops out.
    for (let t = 90; t <= 150; t += 15) w.read(t, idle);
    const quiet = w.read(165, idle).get('spec')!;
    expect(quiet).toMatchObject({ requestsPerSecond: 0, recent: { requestsPerSecond: 0 } });
    expect(quiet.observedTtft).toBeUndefined();
  });

  it('reads the p95 time to first token from the buckets of the stable window', () => {
    const w = new DemandWindow();
    w.read(0, new Map());
    for (let i = 0; i < 100; i += 1) w.finished('spec', undefined, 10, done(10, 100, 10, i < 90 ? 0.2 : 0.8));
    expect(w.read(15, new Map()).get('spec')?.observedTtft).toEqual({
      p95Seconds: expect.closeTo(0.75, 6),
      count: 100,
    });
  });
});

describe('objectiveDispatcher', () => {
  const policy = loadExample();
  const pool = new ScalingPool({
    gpu: GPU,
    model: MODEL,
    modes: fleetModesOf(policy).map((m) => ({ name: m.name, profile: m.profile, startSeconds: START_SECONDS })),
    seed: 1,
  });
  pool.addReady('spec', 0, 1);
  const options = {
    policy,
    target: { ttftP95Seconds: 0.5, interToken: { statistic: 'mean' as const, seconds: 0.03 } },
    qualityBudgetPoints: 0.2,
  };
  const { dispatch } = objectiveDispatcher({ ...options, applyRules: true });
  // The example's rule long-prompt-short-answer (≥ 4096 prompt tokens, ≤ 64 output) sends a request to fp8.
  const long: WorkloadRequest = { ...request(1, 1, 32), inputTokens: 6000, type: 'summarise' };

  it('lets the objective choose where no rule matches', () => {
    expect(dispatch(request(0, 1), 1, pool)).toEqual({ pod: pool.ready('spec', 1)[0], batch: 1 });
  });

  it('applies a matching rule: its mode, cold, is wanted and a warm mode serves; once ready, it serves', () => {
    expect(dispatch(long, 1, pool)).toEqual({ pod: pool.ready('spec', 1)[0], wanted: 'fp8', batch: 1 });
    pool.setReplicas('fp8', 1, 2);
    pool.advanceTo(2 + START_SECONDS);
    expect(dispatch({ ...long, id: 2 }, 2 + START_SECONDS, pool).pod.mode).toBe('fp8');
  });

  it("with the rules ignored, lets the objective choose the rule's request too, even with the rule's mode ready", () => {
    const objectiveOnly = objectiveDispatcher({ ...options, applyRules: false }).dispatch;
    const at = 2 + START_SECONDS;
    expect(pool.ready('fp8', at)).toHaveLength(1);
    expect(objectiveOnly({ ...long, id: 3 }, at, pool)).toEqual({ pod: pool.ready('spec', at)[0], batch: 1 });
  });

  it('spends no quality budget on requests the router refuses, though a lossy warm pod serves them', () => {
    // Any KV-cache use guards a pod off: while every pod works, every mode is rejected.
    const guarded = clone(policy);
    guarded.spec.routing!.guards = { ...guarded.spec.routing!.guards, maxKvCacheUsage: 0 };
    const fleet = new ScalingPool({
      gpu: GPU,
      model: MODEL,
      modes: fleetModesOf(guarded).map((m) => ({ name: m.name, profile: m.profile, startSeconds: START_SECONDS })),
      seed: 1,
    });
    for (const mode of ['fp16', 'spec', 'int4']) fleet.addReady(mode, 0, 1);
    const [fp16, spec, int4] = fleet.pods() as [ScalingPod, ScalingPod, ScalingPod];
    // Code loses 0.2 points on spec and 1.5 on int4: a budget of 0.8 points a request allows spec, not int4; a request
    // charged to int4 would leave 0.1 (2 × 0.8 − 1.5), too little for spec.
    const budget = { ...options, policy: guarded, qualityBudgetPoints: 0.8, applyRules: true };
    const code = (id: number): WorkloadRequest => ({ ...request(id, 1), type: 'code' });
    const { dispatch } = objectiveDispatcher(budget);
    for (const pod of [fp16, spec, int4])
      pod.core.submit(coreRequestOf(request(100 + pod.index, 0, 4000), false), () => {});
    fleet.advanceTo(1);
    // A refused request goes to the least-loaded warm pod: int4, the lossy one.
    fp16.inFlight = spec.inFlight = 1;
    expect(dispatch(code(0), 1, fleet).pod).toBe(int4);
    fp16.inFlight = spec.inFlight = 0;
    fleet.advanceTo(100);
    // The budget is whole: the next request goes where a fresh router sends it, to spec within the budget.
    expect(dispatch(code(10), 100, fleet).pod).toBe(spec);
    expect(objectiveDispatcher(budget).dispatch(code(10), 100, fleet).pod).toBe(spec);
  });
});
