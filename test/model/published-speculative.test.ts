import { gpuById } from '../../src/model/gpus.js';
import { planMemory } from '../../src/model/memory.js';
import { resolveMode } from '../../src/model/mode-presets.js';
import { modelById } from '../../src/model/models.js';
import { stepCost } from '../../src/model/roofline.js';
import { acceptanceByPosition, draftTokensAtBatch, expectedTokensPerStep } from '../../src/model/speculative.js';
import type { RequestType } from '../../src/model/types.js';
import { createEngineCore } from '../../src/sim/engine/core.js';
import { runClosedLoop } from '../../src/sim/workload/closed-loop.js';

/**
 * Published speculative-decoding figures (../shared/reference/published-measurements.md, docs/calibration.md), each
 * within 15% of the simulator. Llama-3.1-8B-Instruct on one H100 unless the row says otherwise.
 */
const TOLERANCE = 0.15;
const within = (simulated: number, published: number): number => Math.abs(simulated - published) / published;

function throughput(mode: string, concurrency: number, promptTokens: number, outputTokens: number, temperature = 0) {
  const core = createEngineCore({
    gpu: 'h100-80gb',
    model: 'llama-3.1-8b-instruct',
    mode: resolveMode(mode),
    seed: 7,
    maxNumSeqs: Math.max(256, concurrency),
  });
  return runClosedLoop({
    core,
    concurrency,
    requests: concurrency === 1 ? 4 : concurrency * 2,
    request: () => ({ promptTokens, outputTokens, maxTokens: outputTokens, requestType: 'chat', temperature }),
  }).outputTokensPerSecond;
}

const speedup = (concurrency: number, temperature = 0): number =>
  throughput('spec-eagle3', concurrency, 128, 512, temperature) /
  throughput('fp16', concurrency, 128, 512, temperature);

describe('EAGLE-3 speed-up against plain FP16 as the batch grows', () => {
  it.each([
    // source, concurrency, published speed-up
    ['vLLM #20780 (vLLM, 3 drafts; time per output token 7.07 -> 4.09 ms)', 1, 1.73],
    ['EAGLE-3 paper Table 3 (SGLang, H100, chain of 3, MT-bench)', 2, 1.81],
    ['EAGLE-3 paper Table 3', 4, 1.82],
    ['EAGLE-3 paper Table 3', 8, 1.62],
    ['EAGLE-3 paper Table 3', 16, 1.48],
    ['EAGLE-3 paper Table 3', 24, 1.39],
    ['EAGLE-3 paper Table 3', 32, 1.32],
    ['EAGLE-3 paper Table 3', 40, 1.38],
    ['EAGLE-3 paper Table 3', 48, 1.34],
    ['EAGLE-3 paper Table 3', 64, 1.38],
  ] as const)('%s: batch %i, %fx within 15%%', (_, concurrency, published) => {
    expect(within(speedup(concurrency), published)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('turns into a slowdown at high load (vLLM blog 2024-10-17: speculation slows a saturated server down)', () => {
    expect(speedup(256)).toBeLessThan(1);
  });
});

describe('EAGLE-3 accepted length (tokens per verification step, bonus token included)', () => {
  it.each([
    // source, request type, draft tokens, temperature, published accepted length
    ['vLLM #20780 (Llama-3.1-8B head, MT-bench)', 'chat', 3, 0, 2.79],
    ['nebius EAGLE3-Llama-3.3-70B card / vLLM #26191, MT-bench', 'chat', 7, 0, 3.53],
    ['nebius EAGLE3-Llama-3.3-70B card, MT-bench', 'chat', 7, 1, 2.77],
    ['nebius EAGLE3-Llama-3.3-70B card, HumanEval', 'code', 7, 1, 3.49],
    ['nebius EAGLE3-Llama-3.3-70B card, GSM8K', 'math', 7, 1, 3.34],
  ] as const)('%s: %s, %i drafts, temperature %i: %f within 15%%', (_, type, k, temperature, published) => {
    const modelled = expectedTokensPerStep(
      acceptanceByPosition('eagle3', k, { type: type as RequestType, temperature }),
    );
    expect(within(modelled, published)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('accepts later draft positions less often than earlier ones', () => {
    const alphas = acceptanceByPosition('eagle3', 5, { type: 'chat' });
    for (let i = 1; i < alphas.length; i += 1) expect(alphas[i]).toBeLessThan(alphas[i - 1]!);
  });

  it('the engine samples what the model expects: 2.79 tokens per step for greedy chat with 3 drafts', () => {
    const core = createEngineCore({
      gpu: 'h100-80gb',
      model: 'llama-3.1-8b-instruct',
      mode: resolveMode('spec-eagle3'),
    });
    runClosedLoop({
      core,
      concurrency: 8,
      requests: 32,
      request: () => ({ promptTokens: 128, outputTokens: 512, maxTokens: 512, requestType: 'chat' }),
    });
    const c = core.counters();
    const perStep = 1 + c.specAcceptedTokens / c.specDrafts;
    expect(within(perStep, 2.79)).toBeLessThanOrEqual(0.05);
  });
});

describe('temperature', () => {
  it('temperature 1 keeps less of the speed-up than greedy decoding (EAGLE-3 paper Table 1: accepted length -22..-31%)', () => {
    const greedy = speedup(1, 0);
    const sampled = speedup(1, 1);
    expect(sampled).toBeLessThan(greedy);
    expect(sampled).toBeGreaterThan(1);
  });
});

describe('the drafter', () => {
  const work = { prefillTokens: 0, prefillAttention: 0, prefillSeqs: 0, decodeSeqs: 1, decodeContext: 512 };
  const hw = (mode: string) => ({
    gpu: gpuById('h100-80gb'),
    model: modelById('llama-3.1-8b-instruct'),
    profile: resolveMode(mode),
    tensorParallel: 1,
  });

  it('stays 16-bit on an FP8 target: the EAGLE head costs the same beside FP8 as beside FP16', () => {
    const fp8 = resolveMode('fp8', { speculative: { method: 'eagle3', numSpeculativeTokens: 3 } });
    const onFp8 = stepCost({ ...hw('fp8'), profile: fp8 }, work);
    const onFp16 = stepCost(hw('spec-eagle3'), work);
    expect(onFp8.draftSeconds).toBeCloseTo(onFp16.draftSeconds, 6);
    expect(onFp8.seconds).toBeLessThan(onFp16.seconds);
  });

  it('takes its weights and KV from the cache: fewer KV tokens than the same mode without speculation', () => {
    const gpu = gpuById('h100-80gb');
    const model = modelById('llama-3.1-8b-instruct');
    const plain = planMemory(gpu, model, resolveMode('fp16'), 1);
    const eagle = planMemory(gpu, model, resolveMode('spec-eagle3'), 1);
    const draft = planMemory(gpu, model, resolveMode('spec-draft'), 1);
    expect(eagle.kvCapacityTokens).toBeLessThan(plain.kvCapacityTokens);
    expect(draft.kvCapacityTokens).toBeLessThan(eagle.kvCapacityTokens);
  });

  it('runs on the prompt too: the first token of a speculative mode comes later than without', () => {
    const ttft = (mode: string) => {
      const core = createEngineCore({ gpu: 'h100-80gb', model: 'llama-3.1-8b-instruct', mode: resolveMode(mode) });
      return runClosedLoop({
        core,
        concurrency: 1,
        requests: 1,
        request: () => ({ promptTokens: 512, outputTokens: 16, maxTokens: 16 }),
      }).meanTtftSeconds;
    };
    expect(ttft('spec-eagle3')).toBeGreaterThan(ttft('fp16'));
  });
});

describe("vLLM 0.33's per-batch-size speculation (num_speculative_tokens_per_batch_size)", () => {
  const profile = (perBatchSize: [number, number, number][]) =>
    resolveMode(undefined, {
      speculative: { method: 'eagle3', numSpeculativeTokens: 3, numSpeculativeTokensPerBatchSize: perBatchSize },
    }).speculative!;

  it.each([
    // vLLM's own regression test (tests/v1/spec_decode, dynamic schedule): gaps keep the range before
    [1, 3],
    [16, 3],
    [17, 3],
    [31, 3],
    [32, 2],
    [128, 2],
    [129, 2],
    [255, 2],
    [256, 0],
  ])('batch %i drafts %i tokens under [(1,16,3), (32,128,2), (256,256,0)]', (batch, k) => {
    expect(
      draftTokensAtBatch(
        profile([
          [1, 16, 3],
          [32, 128, 2],
          [256, 256, 0],
        ]),
        batch,
      ),
    ).toBe(k);
  });

  it('never drafts more than num_speculative_tokens', () => {
    expect(draftTokensAtBatch(profile([[1, 64, 5]]), 8)).toBe(3);
  });

  it('refuses a schedule vLLM would refuse', () => {
    expect(() => profile([[2, 64, 3]])).toThrow(/must start at 1/);
  });

  it('the adaptive preset keeps the low-load speed-up and no longer loses to FP16 at high load', () => {
    const adaptive = (c: number) => throughput('spec-eagle3-adaptive', c, 128, 512);
    expect(within(adaptive(1), throughput('spec-eagle3', 1, 128, 512))).toBeLessThanOrEqual(0.02);
    expect(adaptive(256)).toBeGreaterThan(throughput('spec-eagle3', 256, 128, 512));
    expect(adaptive(256)).toBeGreaterThanOrEqual(throughput('fp16', 256, 128, 512));
  });
});
