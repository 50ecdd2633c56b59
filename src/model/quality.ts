import type { ModelSpec, ModeProfile, QualityClass, RequestType } from './types.js';

/**
 * Modelled accuracy change in points versus FP16/BF16 for Llama-3.1-8B-Instruct, by weight precision (at 4 bits, GPTQ:
 * the RedHatAI W4A16 checkpoints the row rests on) and request type. Sources in docs/calibration.md ("Quality"): FP8
 * W8A8 is within noise of BF16; INT8 W8A8 loses under a point; 4-bit W4A16 loses most on math and code; bitsandbytes
 * NF4 a little more than GPTQ/AWQ. Other sizes and AWQ are derived from this table (qualityDeltaPoints).
 */
export const QUALITY_DELTA_POINTS: Readonly<
  Record<Exclude<QualityClass, 'int4-awq'>, Readonly<Record<RequestType, number>>>
> = {
  fp16: { chat: 0, code: 0, math: 0, summarise: 0, extract: 0, reasoning: 0 },
  fp8: { chat: 0, code: -0.2, math: -0.3, summarise: 0, extract: 0, reasoning: -0.2 },
  int8: { chat: -0.3, code: -0.8, math: -1.0, summarise: -0.2, extract: -0.2, reasoning: -0.8 },
  'int4-gptq': { chat: -0.8, code: -1.5, math: -2.5, summarise: -0.5, extract: -0.5, reasoning: -2.0 },
  nf4: { chat: -1.0, code: -2.0, math: -3.0, summarise: -0.7, extract: -0.7, reasoning: -2.5 },
};

/**
 * AWQ below GPTQ at 4 bits (Kurtic et al., arXiv:2411.02355, Table 1): 3.5 Arena-Hard points (chat) and 4.3
 * HumanEval points (code). No gap is published for the other types, so none is modelled there; nor at other sizes,
 * so larger models keep the full gap (no 70B AWQ-vs-GPTQ measurement was found).
 */
export const AWQ_BELOW_GPTQ_POINTS: Readonly<Record<RequestType, number>> = {
  chat: -3.5,
  code: -4.3,
  math: 0,
  summarise: 0,
  extract: 0,
  reasoning: 0,
};

/** Share of BF16's score a W4A16 GPTQ checkpoint keeps on each benchmark family. */
interface W4a16Recovery {
  arenaHard: number;
  humanEval: number;
  openLlmV1: number;
  openLlmV2: number;
}

/**
 * Recovery of the RedHatAI (Neural Magic) `Meta-Llama-3.1-{8B,70B}-Instruct-quantized.w4a16` GPTQ checkpoints, as
 * their model cards state it: larger models lose less. A model missing here is scored as the 8B.
 */
const W4A16_GPTQ_RECOVERY: Readonly<Record<string, W4a16Recovery>> = {
  'llama-3.1-8b-instruct': { arenaHard: 0.93, humanEval: 0.997, openLlmV1: 0.989, openLlmV2: 0.961 },
  'llama-3.1-70b-instruct': { arenaHard: 1.0, humanEval: 1.01, openLlmV1: 0.994, openLlmV2: 0.974 },
};
const REFERENCE_SIZE = 'llama-3.1-8b-instruct';

/** The benchmark family standing for each request type (OpenLLM v2 holds MATH-hard, GPQA, BBH and MuSR). */
const BENCHMARK_OF_TYPE: Readonly<Record<RequestType, keyof W4a16Recovery>> = {
  chat: 'arenaHard',
  code: 'humanEval',
  math: 'openLlmV2',
  reasoning: 'openLlmV2',
  summarise: 'openLlmV1',
  extract: 'openLlmV1',
};

/**
 * The share of the 8B's 4-bit GPTQ loss a model keeps on a type: its loss over the 8B's on the type's benchmark
 * (a recovery above 100% counts as no loss, not a gain).
 */
export function gptqLossShare(model: ModelSpec, type: RequestType): number {
  const reference = W4A16_GPTQ_RECOVERY[REFERENCE_SIZE] as W4a16Recovery;
  const own = W4A16_GPTQ_RECOVERY[model.id] ?? reference;
  const benchmark = BENCHMARK_OF_TYPE[type];
  return Math.max(0, 1 - own[benchmark]) / (1 - reference[benchmark]);
}

/** FP8 KV cache: small extra loss on long-context types (vLLM docs: "minimal" accuracy impact). */
export const FP8_KV_DELTA_POINTS: Readonly<Record<RequestType, number>> = {
  chat: 0,
  code: 0,
  math: 0,
  summarise: -0.1,
  extract: -0.1,
  reasoning: -0.1,
};

function weightDeltaPoints(quality: QualityClass, type: RequestType, model: ModelSpec): number {
  if (quality === 'int4-gptq' || quality === 'int4-awq') {
    const gptq = QUALITY_DELTA_POINTS['int4-gptq'][type] * gptqLossShare(model, type);
    return quality === 'int4-awq' ? gptq + AWQ_BELOW_GPTQ_POINTS[type] : gptq;
  }
  // FP8, INT8 and NF4 keep the 8B figures at every size: no per-size measurement is used for them (an upper bound on
  // the loss; Kurtic et al. find FP8 lossless at every size).
  return QUALITY_DELTA_POINTS[quality][type];
}

/**
 * Accuracy change of a mode of `model` for a request type. Speculative decoding (exact rejection sampling) and prefix
 * caching do not change outputs, so only weight precision, quantization method, model size and KV precision count.
 */
export function qualityDeltaPoints(profile: ModeProfile, type: RequestType, model: ModelSpec): number {
  const kv = profile.kvBytesPerElement < 2 ? FP8_KV_DELTA_POINTS[type] : 0;
  return weightDeltaPoints(profile.qualityClass, type, model) + kv;
}

/** Accuracy change by mode name and request type for one model's modes; a mode without a profile is an error. */
export function qualityOfModes(
  profiles: ReadonlyMap<string, ModeProfile>,
  model: ModelSpec,
): (mode: string, type: RequestType) => number {
  return (mode, type) => {
    const profile = profiles.get(mode);
    if (!profile) throw new Error(`no profile for mode "${mode}"`);
    return qualityDeltaPoints(profile, type, model);
  };
}
