import { createEngineCore } from '../../src/sim/engine/core.js';
import { resolveMode } from '../../src/model/mode-presets.js';
import { gpuById } from '../../src/model/gpus.js';
import { modelById } from '../../src/model/models.js';
import { stepCost, weightBytesPerPass } from '../../src/model/roofline.js';
import { runClosedLoop } from '../../src/sim/workload/closed-loop.js';
import type { RequestType } from '../../src/model/types.js';
import { loadMlEnergyDataset, replayMlEnergyRow } from '../../src/sim/workload/ml-energy.js';

const MODEL = 'llama-3.1-8b-instruct';

function run(
  gpu: string,
  mode: string,
  concurrency: number,
  promptTokens: number,
  outputTokens: number,
  type: RequestType = 'chat',
) {
  const core = createEngineCore({
    gpu,
    model: MODEL,
    mode: resolveMode(mode),
    seed: 7,
    maxNumSeqs: Math.max(256, concurrency),
  });
  const requests = concurrency === 1 ? 4 : concurrency * 2;
  return runClosedLoop({
    core,
    concurrency,
    requests,
    request: () => ({ promptTokens, outputTokens, maxTokens: outputTokens, requestType: type }),
  });
}

const within = (simulated: number, measured: number): number => Math.abs(simulated - measured) / measured;

describe('the engine model against ML.ENERGY measurements (Llama-3.1-8B BF16, vLLM 0.11.1, one H100)', () => {
  const h100 = loadMlEnergyDataset('llama-3.1-8b-instruct-bf16').rows.filter(
    (r) => r.gpu === 'H100' && r.numGpus === 1,
  );

  it('covers every published batch size', () => {
    expect(h100.map((r) => r.maxNumSeqs)).toEqual([8, 16, 32, 64, 96, 128, 192, 256, 384, 512, 768]);
  });

  it.each(h100.map((r) => [r.maxNumSeqs, r] as const))(
    'max_num_seqs %i: throughput, power and J/token within 15%% of measured',
    (_, row) => {
      const sim = replayMlEnergyRow(row, { gpu: 'h100-80gb', model: MODEL, mode: resolveMode('bf16') });
      expect(within(sim.outputTokensPerSecond, row.outputTokensPerSecond)).toBeLessThanOrEqual(0.15);
      expect(within(sim.averagePowerWatts, row.averagePowerWatts)).toBeLessThanOrEqual(0.15);
      expect(within(sim.joulesPerOutputToken, row.joulesPerOutputToken)).toBeLessThanOrEqual(0.15);
    },
  );

  it('FP8 draws the power BF16 draws at equal batch, within 0.12 of the measured FP8/BF16 ratio', () => {
    // The leaderboard's only same-GPU FP8/BF16 pair is Qwen3-235B-A22B on 8 x H100 (docs/calibration.md): per-GPU
    // power is what carries over to a dense 8B model; its J/token ratio (MoE expert traffic) does not.
    const bf16 = loadMlEnergyDataset('qwen3-235b-a22b-instruct-bf16').rows.filter(
      (r) => r.gpu === 'H100' && r.numGpus === 8,
    );
    const fp8 = loadMlEnergyDataset('qwen3-235b-a22b-instruct-fp8').rows.filter(
      (r) => r.gpu === 'H100' && r.numGpus === 8,
    );
    for (const row of h100.filter((r) => r.maxNumSeqs >= 32 && r.maxNumSeqs <= 256)) {
      const measured =
        fp8.find((r) => r.maxNumSeqs === row.maxNumSeqs)!.averagePowerWatts /
        bf16.find((r) => r.maxNumSeqs === row.maxNumSeqs)!.averagePowerWatts;
      const simulated =
        replayMlEnergyRow(row, { gpu: 'h100-80gb', model: MODEL, mode: resolveMode('fp8') }).averagePowerWatts /
        replayMlEnergyRow(row, { gpu: 'h100-80gb', model: MODEL, mode: resolveMode('bf16') }).averagePowerWatts;
      expect(Math.abs(simulated - measured)).toBeLessThanOrEqual(0.12);
    }
  });
});

describe('calibration against published figures (docs/calibration.md)', () => {
  it('FP16 Llama-3.1-8B batch-1 decode on A100 runs near the HBM bandwidth bound and is memory-bound', () => {
    for (const gpu of ['a100-40gb', 'a100-80gb']) {
      const spec = gpuById(gpu);
      const bound = weightBytesPerPass(modelById(MODEL), resolveMode('fp16')) / spec.memoryBandwidth;
      const { meanTpotSeconds } = run(gpu, 'fp16', 1, 128, 256);
      expect(meanTpotSeconds).toBeGreaterThan(bound);
      expect(meanTpotSeconds).toBeLessThan(1.5 * bound);
      const cost = stepCost(
        { gpu: spec, model: modelById(MODEL), profile: resolveMode('fp16'), tensorParallel: 1 },
        { prefillTokens: 0, prefillAttention: 0, prefillSeqs: 0, decodeSeqs: 1, decodeContext: 512 },
      );
      expect(cost.memorySeconds).toBeGreaterThan(10 * cost.computeSeconds);
    }
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
