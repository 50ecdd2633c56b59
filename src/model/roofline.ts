import {
  ENGINE_CALIBRATION,
  SPECULATIVE_CALIBRATION,
  TENSOR_PARALLEL_CALIBRATION,
  type EngineCalibration,
  type SpeculativeCalibration,
  type TensorParallelCalibration,
} from './calibration.js';
import { KERNEL_EFFICIENCY, type KernelEfficiency } from './kernels.js';
import { LORA_FORWARD_OVERHEAD } from './lora.js';
import { blockParams, kvBytesPerToken, lmHeadParams } from './models.js';
import { drafterOf } from './speculative.js';
import type { GpuSpec, ModeProfile, ModelSpec } from './types.js';

/** FlashAttention / paged-attention achieved fractions (attention is never quantized here). */
export const ATTENTION_EFFICIENCY: KernelEfficiency = { memory: 0.6, compute: 0.5 };
/** Tensor parallelism: fraction of linear scaling kept, and latency of one all-reduce over NVLink. */
export const TP_SCALING_EFFICIENCY = 0.9;
export const TP_ALLREDUCE_SECONDS = 8e-6;

export interface HardwareContext {
  gpu: GpuSpec;
  model: ModelSpec;
  profile: ModeProfile;
  tensorParallel: number;
  /** Fitted engine constants; ENGINE_CALIBRATION unless a calibration run tries others. */
  calibration?: EngineCalibration;
  /** The drafter's fitted constant; SPECULATIVE_CALIBRATION unless a calibration run tries others. */
  speculativeCalibration?: SpeculativeCalibration;
  /** Tensor parallelism's fitted constants; TENSOR_PARALLEL_CALIBRATION unless a calibration run tries others. */
  tensorParallelCalibration?: TensorParallelCalibration;
}

/** What one engine iteration computes. Token counts are totals over the batch. */
export interface StepWork {
  /** Prompt tokens computed (cached prefix tokens excluded). */
  prefillTokens: number;
  /** Sum over computed prompt tokens of the context each attends to. */
  prefillAttention: number;
  /** Sequences with a prompt chunk in this step. */
  prefillSeqs: number;
  /** Sequences in decode this step. */
  decodeSeqs: number;
  /** Sum over decoding sequences of their KV length (tokens read per query). */
  decodeContext: number;
  /** Sequences of this step that run through a LoRA adapter (any one makes the step pay the LoRA kernels). */
  loraSeqs?: number;
  /**
   * Speculative modes: draft tokens each decoding sequence verifies this step, and the drafter proposes for the next
   * (the mode's num_speculative_tokens unless a per-batch-size schedule lowers it; 0: a plain step).
   */
  draftTokens?: number;
}

export interface StepCost {
  seconds: number;
  /** Time of each phase bound by memory traffic and by tensor math (the phase takes the larger). */
  memorySeconds: number;
  computeSeconds: number;
  draftSeconds: number;
  /** The LoRA kernels' share of a step with adapter sequences (lora.ts). */
  loraSeconds: number;
  overheadSeconds: number;
  /** Tensor-parallel all-reduces (0 on one GPU). */
  communicationSeconds: number;
}

interface Peaks {
  linearFlops: number;
  linearEff: KernelEfficiency;
}

/** FP8 checkpoints on GPUs without FP8 tensor cores (Ampere) run weight-only through Marlin, as vLLM does. */
function linearPeaks(gpu: GpuSpec, profile: ModeProfile): Peaks {
  if (profile.computeDtype === 'fp8') {
    if (gpu.fp8Flops > 0) return { linearFlops: gpu.fp8Flops, linearEff: KERNEL_EFFICIENCY[profile.kernel] };
    return { linearFlops: gpu.fp16Flops, linearEff: KERNEL_EFFICIENCY.marlin };
  }
  if (profile.computeDtype === 'int8')
    return { linearFlops: gpu.int8Ops, linearEff: KERNEL_EFFICIENCY[profile.kernel] };
  return { linearFlops: gpu.fp16Flops, linearEff: KERNEL_EFFICIENCY[profile.kernel] };
}

/** Bytes of weights streamed per forward pass, whole model (all GPUs together). */
export function weightBytesPerPass(model: ModelSpec, profile: ModeProfile): number {
  return blockParams(model) * profile.weightBytesPerParam + lmHeadParams(model) * 2;
}

interface PhaseTimes {
  memory: number;
  compute: number;
}

function forwardPhases(hw: HardwareContext, queryTokens: number, attention: number, kvRead: number): PhaseTimes[] {
  const { gpu, model, profile } = hw;
  const scale = hw.tensorParallel * (hw.tensorParallel > 1 ? TP_SCALING_EFFICIENCY : 1);
  const bw = gpu.memoryBandwidth * scale;
  const peaks = linearPeaks(gpu, profile);
  const linearFlops = 2 * (blockParams(model) + lmHeadParams(model)) * queryTokens;
  const linear: PhaseTimes = {
    memory: weightBytesPerPass(model, profile) / (bw * peaks.linearEff.memory),
    compute: linearFlops / (peaks.linearFlops * scale * peaks.linearEff.compute),
  };
  const kvPerToken = kvBytesPerToken(model, profile.kvBytesPerElement);
  const attentionFlops = 4 * model.layers * model.heads * model.headDim * attention;
  const attn: PhaseTimes = {
    memory: ((kvRead + queryTokens) * kvPerToken) / (bw * ATTENTION_EFFICIENCY.memory),
    compute: attentionFlops / (gpu.fp16Flops * scale * ATTENTION_EFFICIENCY.compute),
  };
  return [linear, attn];
}

const phaseTime = (p: PhaseTimes): number => Math.max(p.memory, p.compute);

/**
 * Two all-reduces per layer under tensor parallelism, each of every query token's activations (hidden x 2 bytes):
 * launch latency plus a ring all-reduce's 2(n-1)/n of the bytes at the fitted effective bandwidth.
 */
function allReduceSeconds(hw: HardwareContext, queryTokens: number): number {
  const n = hw.tensorParallel;
  if (n <= 1) return 0;
  const { allReduceBytesPerSecond } = hw.tensorParallelCalibration ?? TENSOR_PARALLEL_CALIBRATION;
  const bytes = queryTokens * hw.model.hidden * 2;
  return 2 * hw.model.layers * (TP_ALLREDUCE_SECONDS + ((2 * (n - 1)) / n) * (bytes / allReduceBytesPerSecond));
}

/**
 * The drafter's share of an iteration (vLLM V1 runs it after the target's forward, for every sequence of the step):
 * its first pass reads the tokens the target just computed (prompt chunks, verified positions), later passes one token
 * per sequence; each pass streams the drafter's own 16-bit weights and KV through the same roofline and pays a fitted
 * share of the target's host and per-sequence overhead (calibration.ts).
 */
function draftSeconds(hw: HardwareContext, work: StepWork, draftTokens: number, overhead: number): number {
  const spec = hw.profile.speculative;
  if (!spec || draftTokens === 0) return 0;
  const drafter = drafterOf(spec, hw.model);
  const passes = drafter.passes(draftTokens);
  if (passes === 0) return 0;
  const { gpu } = hw;
  const scale = hw.tensorParallel * (hw.tensorParallel > 1 ? TP_SCALING_EFFICIENCY : 1);
  const bw = gpu.memoryBandwidth * scale;
  const dense = KERNEL_EFFICIENCY.dense;
  const seqs = work.decodeSeqs + work.prefillSeqs;
  const pass = (tokens: number): number =>
    Math.max(
      (drafter.paramsPerPass * 2) / (bw * dense.memory),
      (2 * drafter.paramsPerPass * tokens) / (gpu.fp16Flops * scale * dense.compute),
    ) +
    ((work.decodeContext + tokens) * drafter.kvBytesPerToken) / (bw * ATTENTION_EFFICIENCY.memory) +
    (hw.speculativeCalibration ?? SPECULATIVE_CALIBRATION).draftPassOverheadFraction * overhead;
  const first = work.prefillTokens + work.decodeSeqs * (draftTokens + 1);
  return pass(first) + (passes - 1) * pass(seqs);
}

/**
 * Roofline time of one continuous-batching iteration: linear layers and attention each take the larger of their
 * memory and compute time; speculative modes verify k+1 query tokens per decoding sequence (compute-bound once the
 * batch's query tokens pass the GPU's ridge point) and pay the drafter (draftSeconds); a batch with LoRA adapter
 * sequences pays the adapter kernels (lora.ts); host overhead is added on top (vLLM overlaps little of it at small
 * batch).
 */
export function stepCost(hw: HardwareContext, work: StepWork): StepCost {
  const spec = hw.profile.speculative;
  const draftTokens = spec ? (work.draftTokens ?? spec.numSpeculativeTokens) : 0;
  const tokensPerDecode = draftTokens + 1;
  const queryTokens = work.prefillTokens + work.decodeSeqs * tokensPerDecode;
  if (queryTokens === 0)
    return {
      seconds: 0,
      memorySeconds: 0,
      computeSeconds: 0,
      draftSeconds: 0,
      loraSeconds: 0,
      overheadSeconds: 0,
      communicationSeconds: 0,
    };
  const decodeAttention =
    work.decodeContext * tokensPerDecode + (work.decodeSeqs * (tokensPerDecode * (tokensPerDecode - 1))) / 2;
  const phases = forwardPhases(hw, queryTokens, work.prefillAttention + decodeAttention, work.decodeContext);
  const forward = phases.reduce((s, p) => s + phaseTime(p), 0);
  const loraSeconds = (work.loraSeqs ?? 0) > 0 ? forward * LORA_FORWARD_OVERHEAD : 0;
  const seqs = work.decodeSeqs + work.prefillSeqs;
  const communicationSeconds = allReduceSeconds(hw, queryTokens);
  const { stepOverheadSeconds, perSequenceOverheadSeconds } = hw.calibration ?? ENGINE_CALIBRATION;
  const overheadSeconds = stepOverheadSeconds + perSequenceOverheadSeconds * seqs;
  const drafting = draftSeconds(hw, work, draftTokens, overheadSeconds);
  return {
    seconds: forward + drafting + loraSeconds + overheadSeconds + communicationSeconds,
    memorySeconds: phases.reduce((s, p) => s + p.memory, 0),
    computeSeconds: phases.reduce((s, p) => s + p.compute, 0),
    draftSeconds: drafting,
    loraSeconds,
    overheadSeconds,
    communicationSeconds,
  };
}
