// The request types are the policy API's (the values of request.type in a rule): the model's tables are keyed by them.
export { REQUEST_TYPES, isRequestType, type RequestType } from '../api/v1alpha1/rule-env.js';

/** One GPU model's datasheet figures and power envelope (per GPU). */
export interface GpuSpec {
  id: string;
  /** Name as NVML/DCGM reports it (dcgm-exporter `modelName` label). */
  modelName: string;
  memoryGiB: number;
  /** Peak HBM/GDDR bandwidth, bytes per second. */
  memoryBandwidth: number;
  /** Dense tensor-core peaks, operations per second (no sparsity). */
  fp16Flops: number;
  /** 0 where the GPU has no FP8 tensor cores (Ampere): FP8 checkpoints then run weight-only. */
  fp8Flops: number;
  int8Ops: number;
  /** Board power of an idle GPU holding a loaded vLLM engine (CUDA context, weights, clocks up), watts. */
  idleWatts: number;
  /** Board power of a GPU with no process on it (driver in persistence mode): a parked, scaled-to-zero GPU, watts. */
  parkedWatts: number;
  /** Board power limit (TDP), watts. */
  maxWatts: number;
}

/** Decoder-only transformer shape (Llama family, grouped-query attention). */
export interface ModelSpec {
  id: string;
  /** Hugging Face repository name, the default served model name. */
  hfName: string;
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  maxModelLen: number;
  /**
   * `temperature` in the checkpoint's generation_config.json: vLLM samples at it when a request leaves temperature
   * unset (its OpenAI server's default `--generation-config auto`); 1 (OpenAI's default) for a checkpoint without one.
   */
  generationTemperature: number;
}

export type ComputeDtype = 'fp16' | 'fp8' | 'int8';

/** Kernel family a mode's linear layers run on; sets achieved fractions of the roofline. */
export type KernelFamily = 'dense' | 'fp8-w8a8' | 'int8-w8a8' | 'marlin' | 'awq-gemm' | 'gptq-exllama' | 'bitsandbytes';

export type SpeculativeMethod = 'ngram' | 'eagle' | 'eagle3' | 'medusa' | 'draft_model' | 'mtp';

export interface SpeculativeProfile {
  method: SpeculativeMethod;
  numSpeculativeTokens: number;
  /** vLLM's num_speculative_tokens_per_batch_size: [first batch, last batch, k] ranges (speculative.ts). */
  perBatchSize?: readonly (readonly [number, number, number])[];
}

/** Everything the step-time, memory and quality models need to know about a mode. */
export interface ModeProfile {
  name: string;
  /** Bytes per weight of the transformer blocks (embeddings and lm_head stay 16-bit in every checkpoint). */
  weightBytesPerParam: number;
  computeDtype: ComputeDtype;
  kernel: KernelFamily;
  /** Bytes per KV-cache element (2 for fp16/bf16, 1 for fp8). */
  kvBytesPerElement: number;
  prefixCaching: boolean;
  speculative?: SpeculativeProfile;
  /** Precision class for the quality table. */
  qualityClass: QualityClass;
}

/** Weight precision and, at 4 bits, the quantization method: AWQ and GPTQ checkpoints score differently. */
export type QualityClass = 'fp16' | 'fp8' | 'int8' | 'int4-gptq' | 'int4-awq' | 'nf4';
