import type {
  KernelFamily,
  ModeProfile,
  QualityClass,
  SpeculativeMethod,
  SpeculativeProfile,
  ComputeDtype,
} from './types.js';
import { perBatchSizeProblems } from '../api/v1alpha1/speculative-schedule.js';

/** The vLLM flags of a mode, shaped like the policy API's spec.modes[] fields (all optional). */
export interface ModeFlags {
  name?: string;
  dtype?: string;
  quantization?: string | null;
  /** Quantized checkpoint name; used to tell compressed-tensors schemes apart (w4a16, w8a8, fp8). */
  weights?: string;
  kvCacheDtype?: string;
  prefixCaching?: boolean;
  speculative?: {
    method: string;
    numSpeculativeTokens?: number;
    model?: string;
    /** vLLM's num_speculative_tokens_per_batch_size. */
    numSpeculativeTokensPerBatchSize?: readonly (readonly [number, number, number])[];
  } | null;
}

interface WeightScheme {
  bytes: number;
  compute: ComputeDtype;
  kernel: KernelFamily;
  quality: QualityClass;
}

/** 4-bit with one fp16 scale (and a 4-bit zero point for AWQ) per group of 128 weights. */
const INT4_BYTES = 0.5 + 2 / 128 + 0.5 / 128;

const FP16: WeightScheme = { bytes: 2, compute: 'fp16', kernel: 'dense', quality: 'fp16' };
const FP8: WeightScheme = { bytes: 1, compute: 'fp8', kernel: 'fp8-w8a8', quality: 'fp8' };
const INT8: WeightScheme = { bytes: 1, compute: 'int8', kernel: 'int8-w8a8', quality: 'int8' };
const INT4_MARLIN: WeightScheme = { bytes: INT4_BYTES, compute: 'fp16', kernel: 'marlin', quality: 'int4-gptq' };
const AWQ_MARLIN: WeightScheme = { ...INT4_MARLIN, quality: 'int4-awq' };

const SCHEMES: Readonly<Record<string, WeightScheme>> = {
  fp8: FP8,
  fbgemm_fp8: FP8,
  modelopt: FP8,
  awq: { ...AWQ_MARLIN, kernel: 'awq-gemm' },
  awq_marlin: AWQ_MARLIN,
  gptq: { ...INT4_MARLIN, kernel: 'gptq-exllama' },
  gptq_marlin: INT4_MARLIN,
  marlin: INT4_MARLIN,
  bitsandbytes: { bytes: INT4_BYTES, compute: 'fp16', kernel: 'bitsandbytes', quality: 'nf4' },
};

function compressedTensorsScheme(weights: string | undefined): WeightScheme {
  const w = (weights ?? '').toLowerCase();
  if (/w4a16|int4|4bit|w4a4/.test(w)) return /awq/.test(w) ? AWQ_MARLIN : INT4_MARLIN;
  if (/fp8/.test(w)) return FP8;
  if (/w8a8|int8/.test(w)) return INT8;
  if (/w8a16/.test(w)) return { ...INT8, compute: 'fp16', kernel: 'marlin' };
  throw new Error(
    `quantization 'compressed-tensors' needs a 'weights' checkpoint name that says its scheme (w4a16, w8a8, fp8), got '${weights ?? ''}'`,
  );
}

function weightScheme(flags: ModeFlags): WeightScheme {
  const q = flags.quantization ?? undefined;
  if (q === undefined || q === 'none' || q === '') {
    const dtype = (flags.dtype ?? 'auto').toLowerCase();
    if (!['auto', 'float16', 'half', 'bfloat16', 'fp16', 'bf16'].includes(dtype)) {
      throw new Error(`dtype '${flags.dtype}' is not modelled; use auto, float16 or bfloat16`);
    }
    return FP16;
  }
  if (q === 'compressed-tensors') return compressedTensorsScheme(flags.weights);
  const scheme = SCHEMES[q];
  if (!scheme)
    throw new Error(
      `quantization '${q}' is not modelled; known: ${[...Object.keys(SCHEMES), 'compressed-tensors'].join(', ')}`,
    );
  return scheme;
}

function kvBytes(kvCacheDtype: string | undefined): number {
  const d = (kvCacheDtype ?? 'auto').toLowerCase();
  if (d === 'auto' || d === 'float16' || d === 'bfloat16') return 2;
  if (d.startsWith('fp8')) return 1;
  throw new Error(`kvCacheDtype '${kvCacheDtype}' is not modelled; use auto or fp8`);
}

const SPECULATIVE_METHODS: readonly SpeculativeMethod[] = ['ngram', 'eagle', 'eagle3', 'medusa', 'draft_model', 'mtp'];

const METHOD_ALIASES: Readonly<Record<string, SpeculativeMethod>> = {
  deepseek_mtp: 'mtp',
  'draft-model': 'draft_model',
};

function speculativeProfile(spec: ModeFlags['speculative']): SpeculativeProfile | undefined {
  if (!spec) return undefined;
  const method = (METHOD_ALIASES[spec.method] ?? spec.method) as SpeculativeMethod;
  if (!SPECULATIVE_METHODS.includes(method))
    throw new Error(`speculative method '${spec.method}' is not modelled; known: ${SPECULATIVE_METHODS.join(', ')}`);
  const k = spec.numSpeculativeTokens ?? 4;
  if (!Number.isInteger(k) || k < 1 || k > 16)
    throw new Error(`numSpeculativeTokens must be an integer 1..16, got ${k}`);
  const profile: SpeculativeProfile = { method, numSpeculativeTokens: k };
  if (spec.numSpeculativeTokensPerBatchSize) {
    const problems = perBatchSizeProblems(spec.numSpeculativeTokensPerBatchSize);
    if (problems.length > 0) throw new Error(`numSpeculativeTokensPerBatchSize: ${problems.join('; ')}`);
    profile.perBatchSize = spec.numSpeculativeTokensPerBatchSize;
  }
  return profile;
}

/** Derives the performance/quality profile of a mode from the vLLM flags it runs with. */
export function profileFromModeFlags(flags: ModeFlags): ModeProfile {
  const scheme = weightScheme(flags);
  const speculative = speculativeProfile(flags.speculative);
  const profile: ModeProfile = {
    name: flags.name ?? 'custom',
    weightBytesPerParam: scheme.bytes,
    computeDtype: scheme.compute,
    kernel: scheme.kernel,
    kvBytesPerElement: kvBytes(flags.kvCacheDtype),
    prefixCaching: flags.prefixCaching ?? false,
    qualityClass: scheme.quality,
  };
  if (speculative) profile.speculative = speculative;
  return profile;
}
