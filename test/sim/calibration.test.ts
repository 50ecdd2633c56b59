import { createEngineCore } from '../../src/sim/engine/core.js';
import { resolveMode } from '../../src/sim/model/mode-presets.js';
import { gpuById } from '../../src/sim/model/gpus.js';
import { modelById } from '../../src/sim/model/models.js';
import { stepCost, weightBytesPerPass } from '../../src/sim/model/roofline.js';
import { runClosedLoop } from '../../src/sim/workload/closed-loop.js';
import type { RequestType } from '../../src/sim/model/types.js';

const MODEL = 'llama-3.1-8b-instruct';

function run(gpu: string, mode: string, concurrency: number, promptTokens: number, outputTokens: number, type: RequestType = 'chat') {
  const core = createEngineCore({ gpu, model: MODEL, mode: resolveMode(mode), seed: 7, maxNumSeqs: Math.max(256, concurrency) });
  const requests = concurrency === 1 ? 4 : concurrency * 2;
  return runClosedLoop({ core, concurrency, requests, request: () => ({ promptTokens, outputTokens, maxTokens: outputTokens, requestType: type }) });
}

describe('calibration against published figures (docs/calibration.md)', () => {
  it('FP16 Llama-3.1-8B batch-1 decode on A100 runs near the HBM bandwidth bound and is memory-bound', () => {
    for (const gpu of ['a100-40gb', 'a100-80gb']) {
      const spec = gpuById(gpu);
      const bound = weightBytesPerPass(modelById(MODEL), resolveMode('fp16')) / spec.memoryBandwidth;
      const { meanTpotSeconds } = run(gpu, 'fp16', 1, 128, 256);
      expect(meanTpotSeconds).toBeGreaterThan(bound);
      expect(meanTpotSeconds).toBeLessThan(1.5 * bound);
      const cost = stepCost({ gpu: spec, model: modelById(MODEL), profile: resolveMode('fp16'), tensorParallel: 1 },
        { prefillTokens: 0, prefillAttention: 0, prefillSeqs: 0, decodeSeqs: 1, decodeContext: 512 });
      expect(cost.memorySeconds).toBeGreaterThan(10 * cost.computeSeconds);
    }
  });

  it('FP16 8B at batch 64 on H100 spends 0.12-0.20 J per output token (ML.ENERGY v2/v3 range)', () => {
    // ML.ENERGY text conversation: mean output 717 tokens; multi-turn prompts taken as 2k tokens (see calibration.md).
    const { joulesPerOutputToken } = run('h100-80gb', 'fp16', 64, 2048, 717);
    expect(joulesPerOutputToken).toBeGreaterThanOrEqual(0.12);
    expect(joulesPerOutputToken).toBeLessThanOrEqual(0.2);
  });

  it('speculative decoding is faster at low load and slower at high load', () => {
    const lowPlain = run('a100-80gb', 'fp16', 1, 512, 256);
    const lowSpec = run('a100-80gb', 'spec-ngram', 1, 512, 256);
    expect(lowSpec.meanLatencySeconds).toBeLessThan(lowPlain.meanLatencySeconds);
    const highPlain = run('a100-80gb', 'fp16', 128, 512, 256);
    const highSpec = run('a100-80gb', 'spec-ngram', 128, 512, 256);
    expect(highSpec.outputTokensPerSecond).toBeLessThan(highPlain.outputTokensPerSecond);
    expect(highSpec.meanLatencySeconds).toBeGreaterThan(highPlain.meanLatencySeconds);
  });

  it('4-bit is the fastest mode at batch 1, and its lead shrinks at large batch', () => {
    const tpot = (mode: string, c: number) => run('a100-80gb', mode, c, 512, 256).meanTpotSeconds;
    const batch1 = Object.fromEntries(['fp16', 'fp8', 'int8', 'int4-awq'].map((m) => [m, tpot(m, 1)]));
    expect(Math.min(...Object.values(batch1))).toBe(batch1['int4-awq']);
    const speedup1 = batch1['fp16']! / batch1['int4-awq']!;
    const speedup64 = tpot('fp16', 64) / tpot('int4-awq', 64);
    expect(speedup1).toBeGreaterThan(2);
    expect(speedup64).toBeLessThan(speedup1);
  });

  it('power rises with load between idle and the board limit', () => {
    const gpu = gpuById('h100-80gb');
    const low = run('h100-80gb', 'fp16', 1, 512, 256).averagePowerWatts;
    const high = run('h100-80gb', 'fp16', 64, 512, 256).averagePowerWatts;
    expect(low).toBeGreaterThan(gpu.idleWatts);
    expect(high).toBeGreaterThan(low);
    expect(high).toBeLessThanOrEqual(gpu.maxWatts);
  });
});
