import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { evaluate, predictInterToken, predictWatts, type ModeModel } from '../../../src/model/mode-model.js';
import { LiveModeModels } from '../../../src/router/learn/live-mode-models.js';
import { compilePolicy } from '../../../src/router/decide/compile-policy.js';
import type { ObjectiveRouting } from '../../../src/router/decide/objective-routing.js';
import { objectivePolicy } from '../../support/policies.js';

const policy = objectivePolicy([
  { name: 'fp16', dtype: 'float16' },
  { name: 'fp8', quantization: 'fp8' },
  { name: 'code', adapter: { base: 'fp16', source: '/models-cache/adapters/code', rank: 16 }, domains: ['code'] },
]);
const objectiveOf = (p: InferenceModePolicy) => compilePolicy(p).objective as ObjectiveRouting;
/** The same predictions, up to rounding (a refit of the seed's own points is the seed's line again). */
function expectSameModel(a: ModeModel | undefined, b: ModeModel | undefined): void {
  for (const batch of [1, 16, 128]) {
    expect(predictInterToken(a as ModeModel, batch)).toBeCloseTo(predictInterToken(b as ModeModel, batch), 9);
    expect(predictWatts(a as ModeModel, batch)).toBeCloseTo(predictWatts(b as ModeModel, batch), 6);
  }
}
const sample = (over: Partial<Parameters<LiveModeModels['observeRequest']>[0]> = {}) => ({
  mode: 'fp8',
  batch: 4,
  promptTokens: 200,
  ttftSeconds: 0.05,
  streamSeconds: 0.9,
  outputTokens: 10,
  ...over,
});

describe("the router's live mode models", () => {
  it("start from the policy's seeds", () => {
    const o = objectiveOf(policy);
    const models = new LiveModeModels();
    expectSameModel(models.modelsOf(o).get('fp8')?.model, o.modes.get('fp8')?.model);
    expect([...models.modelsOf(o).keys()].sort()).toEqual(['fp16', 'fp8']);
  });

  it("refit a mode's inter-token time from its streamed requests, and leave the other modes at their seeds", () => {
    const o = objectiveOf(policy);
    const models = new LiveModeModels();
    models.modelsOf(o);
    // 0.9 s for the 9 tokens after the first: 100 ms per token at batch 4, where the seed says about 5 ms.
    for (let i = 0; i < 300; i++) expect(models.observeRequest(sample())).toEqual(['first_token', 'inter_token']);
    expect(predictInterToken(models.modelsOf(o).get('fp8')!.model, 4)).toBeCloseTo(0.1, 2);
    expectSameModel(models.modelsOf(o).get('fp16')?.model, o.modes.get('fp16')?.model);
  });

  it("learn the first token's wait beyond its prefill against the batch it joined: an engine that queues past its slots", () => {
    const o = objectiveOf(policy);
    const models = new LiveModeModels();
    models.modelsOf(o);
    const prefill = evaluate(o.modes.get('fp8')!.model.prefill, 200);
    for (let round = 0; round < 20; round++)
      for (let b = 1; b <= 12; b++)
        models.observeRequest(sample({ batch: b, ttftSeconds: prefill + (b > 4 ? 0.5 : 0.01) }));
    const wait = models.modelsOf(o).get('fp8')!.firstTokenWait;
    expect(wait.slope).toBeGreaterThan(0.03);
    expect(evaluate(wait, 12)).toBeGreaterThan(0.4);
    expect(evaluate(wait, 2)).toBeLessThan(0.15);
  });

  it('never tilt a line down: a mode seen slow at small batches is not predicted fast at large ones', () => {
    const o = objectiveOf(policy);
    const models = new LiveModeModels();
    models.modelsOf(o);
    // Only lone requests, each 150 ms per token: against the seed's 5 ms at batches up to 64, a free line would fall.
    for (let i = 0; i < 30; i++) models.observeRequest(sample({ batch: 1, streamSeconds: 9 * 0.15 }));
    const m = models.modelsOf(o).get('fp8')!.model;
    expect(m.interToken.slope).toBeGreaterThanOrEqual(0);
    expect(predictInterToken(m, 200)).toBeGreaterThanOrEqual(predictInterToken(m, 1));
    expect(predictInterToken(m, 1)).toBeGreaterThan(0.05);
  });

  it('refit power per pod against its batch', () => {
    const o = objectiveOf(policy);
    const models = new LiveModeModels();
    models.modelsOf(o);
    for (let i = 0; i < 300; i++) expect(models.observePower('fp8', 8, 350)).toBe(true);
    expect(predictWatts(models.modelsOf(o).get('fp8')!.model, 8)).toBeCloseTo(350, -1);
    expect(models.observePower('fp8', 0, 100)).toBe(false);
  });

  it('learn nothing from modes that are no candidate, answers of one token, or an idle pod', () => {
    const o = objectiveOf(policy);
    const models = new LiveModeModels();
    models.modelsOf(o);
    expect(models.observeRequest(sample({ mode: 'code' }))).toEqual([]);
    expect(models.observeRequest(sample({ outputTokens: 1 }))).toEqual(['first_token']);
    expect(models.observeRequest(sample({ batch: 0 }))).toEqual([]);
  });

  it("keep what they learned across a policy edit that keeps a mode's flags, and start again for a mode whose flags changed", () => {
    const models = new LiveModeModels();
    const before = objectiveOf(policy);
    models.modelsOf(before);
    for (let i = 0; i < 100; i++) models.observeRequest(sample());
    for (let i = 0; i < 100; i++) models.observeRequest(sample({ mode: 'fp16' }));
    const learned = models.modelsOf(before).get('fp8')?.model;
    const edited: InferenceModePolicy = structuredClone(policy);
    edited.spec.objective = { ttftP95Seconds: 1, interTokenMeanSeconds: 0.05, qualityBudgetPoints: 0.2 };
    edited.spec.modes[0] = { name: 'fp16', dtype: 'bfloat16', kvCacheDtype: 'fp8' };
    const after = objectiveOf(edited);
    expect(models.modelsOf(after).get('fp8')?.model).toEqual(learned);
    expect(predictInterToken(models.modelsOf(after).get('fp8')!.model, 4)).toBeGreaterThan(0.05);
    expectSameModel(models.modelsOf(after).get('fp16')?.model, after.modes.get('fp16')?.model);
  });

  it('predict for the recent mean prompt', () => {
    const models = new LiveModeModels();
    models.observeRequest(sample({ promptTokens: 1000 }));
    expect(models.typicalPromptTokens()).toBe(1000);
    models.observeRequest(sample({ promptTokens: 0 }));
    expect(models.typicalPromptTokens()).toBe(950);
  });
});
