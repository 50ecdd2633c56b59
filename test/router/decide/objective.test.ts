import { predictInterToken, predictJoulesPerToken, predictTtft, seedModeModel } from '../../../src/model/mode-model.js';
import {
  chooseByObjective,
  efficiencyJoulesPerToken,
  predictFirstToken,
  QualityLedger,
  type ObjectiveCandidate,
} from '../../../src/router/decide/objective.js';
import { gpuById } from '../../../src/model/gpus.js';
import { profileFromModeFlags } from '../../../src/model/mode-profile.js';
import { modelById } from '../../../src/model/models.js';

const seed = (flags: Parameters<typeof profileFromModeFlags>[0]) =>
  seedModeModel(gpuById('h100-80gb'), modelById('llama-3.1-8b-instruct'), profileFromModeFlags(flags));
const fp16 = seed({ name: 'fp16', dtype: 'float16' });
const spec = seed({ name: 'spec', quantization: 'fp8', speculative: { method: 'eagle3', numSpeculativeTokens: 3 } });
const target = { ttftP95Seconds: 0.5, interToken: { statistic: 'mean' as const, seconds: 0.03 } };

function candidates(
  specBatch: number | undefined,
  fp16Batch: number | undefined,
  specLoss = 0.3,
): ObjectiveCandidate[] {
  return [
    { mode: 'fp16', model: fp16, qualityDeltaPoints: 0, batch: fp16Batch },
    { mode: 'spec', model: spec, qualityDeltaPoints: -specLoss, batch: specBatch },
  ];
}

describe('chooseByObjective', () => {
  it('prefers the mode with the lowest energy per token when the quality allowance covers it', () => {
    expect(efficiencyJoulesPerToken(spec, target)).toBeLessThan(efficiencyJoulesPerToken(fp16, target));
    expect(chooseByObjective(candidates(3, 3), 500, target, 0.3)).toEqual({
      mode: 'spec',
      preferred: 'spec',
      meetsSlo: true,
      reason: 'lowest J/token within the SLO',
      predicted: {
        batch: 4,
        ttftSeconds: predictTtft(spec, 500, 0, 4),
        interTokenSeconds: predictInterToken(spec, 4),
        joulesPerToken: predictJoulesPerToken(spec, 4),
      },
    });
  });

  it('keeps to exact modes when the allowance does not cover the loss', () => {
    expect(chooseByObjective(candidates(3, 3), 500, target, 0.2)?.mode).toBe('fp16');
  });

  it('serves a request whose preferred mode is cold on a warm one, and reports the cold mode as wanted', () => {
    expect(chooseByObjective(candidates(undefined, 3), 500, target, 0.3)).toMatchObject({
      mode: 'fp16',
      preferred: 'spec',
      wanted: 'spec',
      meetsSlo: true,
    });
  });

  it('moves past a mode whose predicted inter-token time at its load breaks the SLO', () => {
    const tight = { ...target, interToken: { statistic: 'mean' as const, seconds: 0.008 } };
    const full = chooseByObjective(candidates(150, 1, 0), 500, tight, 0);
    expect(full).toMatchObject({ mode: 'fp16', wanted: 'spec', reason: expect.stringMatching(/spec is past the SLO/) });
  });

  it('predicts the first token from the learned wait at the batch when it has one, and moves past a mode whose wait breaks the SLO', () => {
    // Learned: a first token waits 0.1 s more for each sequence already on the pod (an engine queueing past its slots).
    const queueing = { intercept: -0.1, slope: 0.1 };
    expect(predictFirstToken({ model: spec, firstTokenWait: queueing }, 500, 4)).toBeCloseTo(
      predictTtft(spec, 500, 0, 1) - predictInterToken(spec, 1) + 0.3,
      6,
    );
    const [f, s] = candidates(6, 3, 0);
    const choice = chooseByObjective(
      [f as ObjectiveCandidate, { ...(s as ObjectiveCandidate), firstTokenWait: queueing }],
      500,
      target,
      0,
    );
    expect(choice).toMatchObject({
      mode: 'fp16',
      wanted: 'spec',
      meetsSlo: true,
      reason: expect.stringMatching(/spec is past the SLO/),
    });
    expect(
      chooseByObjective(
        [f as ObjectiveCandidate, { ...(s as ObjectiveCandidate), batch: 1, firstTokenWait: queueing }],
        500,
        target,
        0,
      )?.mode,
    ).toBe('spec');
  });

  it('takes the fastest warm mode when none meets the SLO, and nothing when no mode is warm', () => {
    const slow = { ...fp16, prefill: { intercept: 1, slope: 0 } };
    expect(
      chooseByObjective([{ mode: 'fp16', model: slow, qualityDeltaPoints: 0, batch: 0 }], 500, target, 0),
    ).toMatchObject({ mode: 'fp16', meetsSlo: false });
    expect(chooseByObjective(candidates(undefined, undefined), 500, target, 1)).toBeUndefined();
  });
});

describe('QualityLedger', () => {
  it('lets exact requests pay for an occasional lossy one, keeping the mean within the budget', () => {
    const ledger = new QualityLedger(0.2);
    expect(ledger.allowance()).toBeCloseTo(0.2);
    ledger.charge(0);
    expect(ledger.allowance()).toBeCloseTo(0.4);
    ledger.charge(0.3);
    expect(ledger.allowance()).toBeCloseTo(0.3);
    ledger.charge(0.3);
    expect(ledger.allowance()).toBeCloseTo(0.2);
  });
});
