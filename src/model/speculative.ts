import { lmHeadParams } from './models.js';
import type { ModelSpec, RequestType, SpeculativeMethod, SpeculativeProfile } from './types.js';

/**
 * Conditional acceptance of the first draft token (alpha_1) at temperature 0, per method and request type. EAGLE-3's
 * chat value and the position decay below are fitted to two vLLM chains (docs/calibration.md, "Speculative
 * decoding"): accepted length 2.79 with 3 drafts (Llama-3.1-8B, vLLM #20780) and 3.53 with 7 (Llama-3.3-70B head,
 * MT-bench, nebius model card / vLLM #26191). EAGLE-3's other types scale that value by the EAGLE-3 paper's Table 1
 * (accepted length per dataset). The other methods' values are estimates (one value per position).
 * n-gram (prompt lookup) only wins where the output copies the input (summarise, extract, code edits).
 */
export const FIRST_POSITION_ACCEPTANCE: Readonly<Record<SpeculativeMethod, Readonly<Record<RequestType, number>>>> = {
  ngram: { chat: 0.2, code: 0.4, math: 0.3, summarise: 0.55, extract: 0.6, reasoning: 0.3 },
  eagle: { chat: 0.7, code: 0.75, math: 0.75, summarise: 0.65, extract: 0.65, reasoning: 0.72 },
  eagle3: { chat: 0.777, code: 0.801, math: 0.781, summarise: 0.741, extract: 0.741, reasoning: 0.781 },
  medusa: { chat: 0.6, code: 0.65, math: 0.65, summarise: 0.55, extract: 0.55, reasoning: 0.6 },
  draft_model: { chat: 0.7, code: 0.75, math: 0.72, summarise: 0.7, extract: 0.7, reasoning: 0.7 },
  mtp: { chat: 0.7, code: 0.75, math: 0.75, summarise: 0.65, extract: 0.65, reasoning: 0.72 },
};

/** Each later draft position is accepted this much less often than the one before (EAGLE-3 fit; 1 = no decay). */
export const POSITION_DECAY: Readonly<Record<SpeculativeMethod, number>> = {
  ngram: 1,
  eagle: 1,
  eagle3: 0.97,
  medusa: 1,
  draft_model: 1,
  mtp: 1,
};

/**
 * Acceptance at temperature 1 relative to temperature 0, per request type: the ratio of the per-token acceptance
 * that reproduces EAGLE-3's accepted lengths at temperature 1 and 0 (paper Table 1: MT-bench, HumanEval, GSM8K,
 * CNN/DM; tree of depth 7). Applied to every method (rejection sampling accepts less of a sampled target whatever
 * drafts). Between 0 and 1 it is interpolated linearly; above 1 no measurement exists and the value at 1 is held.
 * top_p has no published effect on acceptance, so it is not modelled.
 */
export const TEMPERATURE_ONE_FACTOR: Readonly<Record<RequestType, number>> = {
  chat: 0.874,
  code: 0.953,
  math: 0.898,
  summarise: 0.93,
  extract: 0.93,
  reasoning: 0.898,
};

/** What decides acceptance for one sequence. */
export interface AcceptanceContext {
  type: RequestType;
  /** Sampling temperature; 0 (greedy) when the request does not say. */
  temperature?: number;
}

/** Conditional acceptance of each draft position 1..k (position i accepted given 1..i-1 were). */
export function acceptanceByPosition(method: SpeculativeMethod, k: number, ctx: AcceptanceContext): number[] {
  const t = Math.min(1, Math.max(0, ctx.temperature ?? 0));
  const temperatureFactor = 1 - t * (1 - TEMPERATURE_ONE_FACTOR[ctx.type]);
  const first = FIRST_POSITION_ACCEPTANCE[method][ctx.type] * temperatureFactor;
  const decay = POSITION_DECAY[method];
  return Array.from({ length: k }, (_, i) => Math.min(1, first * decay ** i));
}

/** Expected tokens emitted per verification step: the accepted prefix of the drafts plus the bonus token. */
export function expectedTokensPerStep(alphas: readonly number[]): number {
  let survive = 1;
  let tokens = 1;
  for (const a of alphas) {
    survive *= a;
    tokens += survive;
  }
  return tokens;
}

/** Samples one verification: drafts are accepted while each position's draw succeeds; plus the bonus token. */
export function sampleTokensPerStep(
  alphas: readonly number[],
  random: () => number,
): { tokens: number; accepted: number } {
  let accepted = 0;
  while (accepted < alphas.length && random() < (alphas[accepted] as number)) accepted += 1;
  return { tokens: accepted + 1, accepted };
}

/**
 * How much longer a speculative mode takes per output token for a request than for the greedy chat its seeded model
 * was taken at (mode-model.ts): the step costs the same, the accepted drafts differ. 1 without speculation.
 */
export function interTokenFactor(spec: SpeculativeProfile | undefined, ctx: AcceptanceContext): number {
  if (!spec) return 1;
  const k = spec.numSpeculativeTokens;
  const seed = expectedTokensPerStep(acceptanceByPosition(spec.method, k, { type: 'chat', temperature: 0 }));
  return seed / expectedTokensPerStep(acceptanceByPosition(spec.method, k, ctx));
}

/**
 * vLLM's `num_speculative_tokens_per_batch_size` (vllm/v1/spec_decode/dynamic/utils.py, v0.33.0): inclusive
 * [first, last, k] batch-size ranges; the scheduler looks its batch (requests scheduled in the step) up in them, a gap
 * or the tail past the last range keeps the previous range's k, and no range exceeds num_speculative_tokens. k may be
 * 0: that step does not speculate at all.
 */
export function draftTokensAtBatch(spec: SpeculativeProfile, batch: number): number {
  const schedule = spec.perBatchSize;
  if (!schedule || schedule.length === 0 || batch < 1) return spec.numSpeculativeTokens;
  let k = spec.numSpeculativeTokens;
  for (const [first, , tokens] of [...schedule].sort((a, b) => a[0] - b[0])) {
    if (first > batch) break;
    k = tokens;
  }
  return Math.min(spec.numSpeculativeTokens, k);
}

/** A drafter as far as its cost and memory go. */
export interface Drafter {
  /** Parameters one draft pass reads (16-bit: drafters keep their own precision on a quantized target). */
  paramsPerPass: number;
  /** Parameters of its own held in GPU memory (embeddings and heads shared with the target excluded). */
  residentParams: number;
  /** KV-cache bytes per token of the drafter's own layers (16-bit). */
  kvBytesPerToken: number;
  /** Forward passes to propose k tokens: k for a chain drafter, 1 for Medusa's parallel heads, 0 for n-gram (CPU). */
  passes: (k: number) => number;
}

/** EAGLE-3 heads predict over a reduced vocabulary (32,000 in the published Llama 3.x heads). */
const EAGLE3_DRAFT_VOCAB = 32000;
/** Llama-3.2-1B, the draft model of the `spec-draft` preset (config.json: 16 layers, tied embeddings). */
const LLAMA_3_2_1B = {
  layers: 16,
  hidden: 2048,
  intermediate: 8192,
  heads: 32,
  kvHeads: 8,
  headDim: 64,
  vocab: 128256,
};

function decoderLayerParams(
  m: Omit<ModelSpec, 'id' | 'hfName' | 'maxModelLen' | 'generationTemperature' | 'layers' | 'vocab'>,
  qkvIn: number,
): number {
  const attention = qkvIn * (m.heads + 2 * m.kvHeads) * m.headDim + m.heads * m.headDim * m.hidden;
  return attention + 3 * m.hidden * m.intermediate;
}

/**
 * The drafter a method runs beside a target, from public checkpoints' config.json: EAGLE-3 one decoder layer reading
 * [embedding, hidden] (2h wide), a 3h->h fusion and its own 32k-token head; EAGLE-1 and MTP one layer, a 2h->h
 * fusion and the target's lm_head; Medusa a residual block and an lm_head per head, all in one pass; the draft model
 * Llama-3.2-1B; n-gram nothing on the GPU.
 */
export function drafterOf(spec: SpeculativeProfile, m: ModelSpec): Drafter {
  const k = spec.numSpeculativeTokens;
  const oneLayerKv = 2 * m.kvHeads * m.headDim * 2;
  const chain = (n: number): number => n;
  switch (spec.method) {
    case 'eagle3': {
      const own = decoderLayerParams(m, 2 * m.hidden) + 3 * m.hidden * m.hidden + EAGLE3_DRAFT_VOCAB * m.hidden;
      return { paramsPerPass: own, residentParams: own, kvBytesPerToken: oneLayerKv, passes: chain };
    }
    case 'eagle':
    case 'mtp': {
      const own = decoderLayerParams(m, m.hidden) + 2 * m.hidden * m.hidden;
      return { paramsPerPass: own + lmHeadParams(m), residentParams: own, kvBytesPerToken: oneLayerKv, passes: chain };
    }
    case 'medusa': {
      const heads = k * (m.hidden * m.hidden + lmHeadParams(m));
      return { paramsPerPass: heads, residentParams: heads, kvBytesPerToken: 0, passes: (n) => (n > 0 ? 1 : 0) };
    }
    case 'draft_model': {
      const d = LLAMA_3_2_1B;
      const params = d.layers * decoderLayerParams(d, d.hidden) + d.vocab * d.hidden;
      return {
        paramsPerPass: params,
        residentParams: params,
        kvBytesPerToken: 2 * d.layers * d.kvHeads * d.headDim * 2,
        passes: chain,
      };
    }
    case 'ngram':
      return { paramsPerPass: 0, residentParams: 0, kvBytesPerToken: 0, passes: () => 0 };
  }
}
