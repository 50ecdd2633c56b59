import {
  batchWithin,
  leastSquares,
  predictInterToken,
  predictJoulesPerToken,
  predictTtft,
  seedModeModel,
} from '../../src/model/mode-model.js';
import { DecayingLine, ModeModelFit } from '../../src/model/mode-model-fit.js';
import { gpuById } from '../../src/model/gpus.js';
import { profileFromModeFlags } from '../../src/model/mode-profile.js';
import { modelById } from '../../src/model/models.js';

const h100 = gpuById('h100-80gb');
const llama = modelById('llama-3.1-8b-instruct');
const fp16 = seedModeModel(h100, llama, profileFromModeFlags({ name: 'fp16', dtype: 'float16' }));
const fp8 = seedModeModel(h100, llama, profileFromModeFlags({ name: 'fp8', quantization: 'fp8' }));
const spec = seedModeModel(
  h100,
  llama,
  profileFromModeFlags({
    name: 'spec',
    quantization: 'fp8',
    speculative: { method: 'eagle3', numSpeculativeTokens: 3 },
  }),
);

describe('mode model seeded from the calibrated simulator', () => {
  it('ranks modes as the calibration does: FP8 decodes faster than FP16, speculation faster still, each cheaper per token', () => {
    for (const batch of [1, 16, 64]) {
      expect(predictInterToken(fp8, batch)).toBeLessThan(predictInterToken(fp16, batch));
      expect(predictInterToken(spec, batch)).toBeLessThan(predictInterToken(fp8, batch));
      expect(predictJoulesPerToken(spec, batch)).toBeLessThan(predictJoulesPerToken(fp16, batch));
    }
  });

  it('predicts slower tokens, slower first tokens and cheaper tokens as the batch grows', () => {
    expect(predictInterToken(fp16, 128)).toBeGreaterThan(predictInterToken(fp16, 1));
    expect(predictTtft(fp16, 1000, 8000, 32)).toBeGreaterThan(predictTtft(fp16, 1000, 0, 32));
    expect(predictJoulesPerToken(fp16, 64)).toBeLessThan(predictJoulesPerToken(fp16, 1) / 10);
  });

  it('finds the largest batch within an inter-token target, and none when a lone sequence misses it', () => {
    const b = batchWithin(fp16, 0.012);
    expect(predictInterToken(fp16, b)).toBeLessThanOrEqual(0.012);
    expect(predictInterToken(fp16, b + 1)).toBeGreaterThan(0.012);
    expect(batchWithin(fp16, 0.001)).toBe(0);
  });

  it('fits a line by least squares and refuses mismatched samples', () => {
    expect(leastSquares([1, 2, 3], [3, 5, 7])).toEqual({ intercept: 1, slope: 2 });
    expect(() => leastSquares([1], [])).toThrow(/equal, non-empty/);
  });
});

describe('live refit', () => {
  it('starts at the seed and moves to what the pods show', () => {
    const fit = new ModeModelFit(fp16, 0.98);
    expect(predictInterToken(fit.model(), 32)).toBeCloseTo(predictInterToken(fp16, 32), 6);
    // The real GPU is twice as slow as the seed at every batch.
    for (let i = 0; i < 300; i += 1) {
      const batch = 1 + (i % 64);
      fit.observeInterToken(batch, 2 * predictInterToken(fp16, batch));
    }
    expect(predictInterToken(fit.model(), 32) / predictInterToken(fp16, 32)).toBeCloseTo(2, 1);
  });

  it('weighs recent samples most', () => {
    const line = new DecayingLine(0.5);
    line.add(0, 10);
    line.add(1, 10);
    for (let i = 0; i < 20; i += 1) line.add(i % 2, 20);
    expect(line.fit()?.intercept).toBeCloseTo(20, 3);
  });
});
