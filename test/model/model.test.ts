import { profileFromModeFlags } from '../../src/model/mode-profile.js';
import { MODE_PRESETS, resolveMode } from '../../src/model/mode-presets.js';
import { blockParams, kvBytesPerToken, modelById, totalParams } from '../../src/model/models.js';
import { planMemory } from '../../src/model/memory.js';
import { gpuById, GPUS } from '../../src/model/gpus.js';
import { qualityDeltaPoints, QUALITY_DELTA_POINTS } from '../../src/model/quality.js';
import { expectedTokensPerStep } from '../../src/model/speculative.js';
import { REQUEST_TYPES } from '../../src/model/types.js';

describe('model catalogue', () => {
  it('derives Llama-3.1 parameter counts and KV bytes per token from the config shape', () => {
    const small = modelById('meta-llama/Llama-3.1-8B-Instruct');
    expect(totalParams(small) / 1e9).toBeCloseTo(8.03, 2);
    expect(kvBytesPerToken(small, 2)).toBe(131072);
    const large = modelById('llama-3.1-70b');
    expect(totalParams(large) / 1e9).toBeCloseTo(70.55, 1);
    expect(kvBytesPerToken(large, 2)).toBe(327680);
    expect(blockParams(small)).toBeLessThan(totalParams(small));
  });

  it('covers the GPUs the issue names, with datasheet bandwidth', () => {
    expect(Object.keys(GPUS)).toEqual(expect.arrayContaining(['a100-40gb', 'a100-80gb', 'h100-80gb', 'h200', 'l40s']));
    expect(gpuById('a100-40gb').memoryBandwidth).toBe(1555e9);
    expect(gpuById('h100-80gb').memoryBandwidth).toBe(3350e9);
    expect(() => gpuById('v100')).toThrow(/unknown GPU 'v100'/);
  });

  it('refuses a mode whose weights do not fit, and fits it with tensor parallelism', () => {
    const fp16 = resolveMode('fp16');
    expect(() => planMemory(gpuById('h100-80gb'), modelById('llama-3.1-70b'), fp16, 1)).toThrow(
      /tensor parallel|quantized/,
    );
    expect(planMemory(gpuById('h100-80gb'), modelById('llama-3.1-70b'), fp16, 2).kvCapacityTokens).toBeGreaterThan(0);
    expect(
      planMemory(gpuById('h100-80gb'), modelById('llama-3.1-70b'), resolveMode('int4-awq'), 1).kvCapacityTokens,
    ).toBeGreaterThan(0);
  });
});

describe('profileFromModeFlags', () => {
  it('maps vLLM quantization methods to weight bytes and kernels', () => {
    expect(profileFromModeFlags({ dtype: 'bfloat16' })).toMatchObject({
      weightBytesPerParam: 2,
      kernel: 'dense',
      qualityClass: 'fp16',
    });
    expect(profileFromModeFlags({ quantization: 'fp8' })).toMatchObject({
      weightBytesPerParam: 1,
      computeDtype: 'fp8',
    });
    expect(profileFromModeFlags({ quantization: 'awq_marlin' })).toMatchObject({
      kernel: 'marlin',
      qualityClass: 'int4-awq',
    });
    expect(profileFromModeFlags({ quantization: 'awq' }).kernel).toBe('awq-gemm');
    expect(profileFromModeFlags({ quantization: 'gptq_marlin' }).weightBytesPerParam).toBeLessThan(0.55);
    expect(
      profileFromModeFlags({ quantization: 'compressed-tensors', weights: 'x/Llama-3.1-8B-Instruct-quantized.w4a16' })
        .qualityClass,
    ).toBe('int4-gptq');
    expect(profileFromModeFlags({ quantization: 'compressed-tensors', weights: 'x/quantized.w8a8' }).computeDtype).toBe(
      'int8',
    );
  });

  it('reads KV-cache dtype, prefix caching and the speculative config', () => {
    const p = profileFromModeFlags({
      kvCacheDtype: 'fp8_e4m3',
      prefixCaching: true,
      speculative: { method: 'eagle', numSpeculativeTokens: 3, model: 'yuhuili/EAGLE-LLaMA3.1-Instruct-8B' },
    });
    expect(p.kvBytesPerElement).toBe(1);
    expect(p.prefixCaching).toBe(true);
    expect(p.speculative).toMatchObject({ method: 'eagle', numSpeculativeTokens: 3 });
  });

  it('rejects flags it cannot model with a message naming the value', () => {
    expect(() => profileFromModeFlags({ quantization: 'hqq-9bit' })).toThrow(/'hqq-9bit' is not modelled/);
    expect(() => profileFromModeFlags({ quantization: 'compressed-tensors' })).toThrow(/weights/);
    expect(() => profileFromModeFlags({ speculative: { method: 'ngram', numSpeculativeTokens: 0 } })).toThrow(
      /numSpeculativeTokens/,
    );
    expect(() => resolveMode('int3')).toThrow(/unknown mode preset 'int3'/);
  });

  it('resolves every preset', () => {
    for (const name of Object.keys(MODE_PRESETS)) expect(resolveMode(name).name).toBe(name);
    expect(resolveMode('fp16', { prefixCaching: true }).prefixCaching).toBe(true);
  });
});

describe('quality and speculative tables', () => {
  it('keeps FP16 as the reference and makes 4-bit lose most on math and code', () => {
    const small = modelById('llama-3.1-8b-instruct');
    for (const t of REQUEST_TYPES) expect(QUALITY_DELTA_POINTS.fp16[t]).toBe(0);
    expect(qualityDeltaPoints(resolveMode('int4-gptq'), 'math', small)).toBeLessThan(
      qualityDeltaPoints(resolveMode('int4-gptq'), 'chat', small),
    );
    expect(Math.abs(qualityDeltaPoints(resolveMode('fp8'), 'chat', small))).toBeLessThanOrEqual(0.2);
    expect(qualityDeltaPoints(resolveMode('spec-eagle'), 'code', small)).toBe(0);
  });

  it('computes expected tokens per verification step (Leviathan et al. eq. 1, by position)', () => {
    expect(expectedTokensPerStep([0, 0, 0, 0])).toBe(1);
    expect(expectedTokensPerStep([1, 1, 1, 1])).toBe(5);
    expect(expectedTokensPerStep([0.5, 0.5])).toBeCloseTo(1.75, 6);
    expect(expectedTokensPerStep([0.8, 0.5])).toBeCloseTo(1 + 0.8 + 0.4, 6);
  });
});
