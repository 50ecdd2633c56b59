/**
 * The engine-model constants fitted to measured vLLM runs (ML.ENERGY Leaderboard v3, Llama-3.1-8B-Instruct BF16 on
 * one H100, every published max_num_seqs). `scripts/calibrate/fit-ml-energy.ts` produces these values and checks
 * them; re-run it rather than editing by hand. Method, data and residuals: docs/calibration.md.
 */
export interface EngineCalibration {
  /** Fixed host cost per iteration (scheduling, input preparation, sampling launch), seconds. */
  stepOverheadSeconds: number;
  /** Host and small-kernel cost per sequence per iteration (sampling, detokenise, stop checks), seconds. */
  perSequenceOverheadSeconds: number;
  /** Share of the idle-to-limit power range drawn per second of tensor-bound work (held at 1: prefill runs at the limit). */
  computePowerWeight: number;
  /** Share drawn per second of bandwidth-bound work (weight and KV streaming). */
  memoryPowerWeight: number;
  /** Share drawn per second of the per-iteration overhead (clocks stay up, small kernels run). */
  overheadPowerWeight: number;
}

export const ENGINE_CALIBRATION: Readonly<EngineCalibration> = {
  stepOverheadSeconds: 0.00126,
  perSequenceOverheadSeconds: 44e-6,
  computePowerWeight: 1.0,
  memoryPowerWeight: 0.55,
  overheadPowerWeight: 1,
};

/**
 * Tensor parallelism's fitted constants: the effective bandwidth of the two all-reduces per layer (activations of
 * every query token, hidden x 2 bytes, ring all-reduce over the replica's GPUs; it also absorbs whatever else TP costs
 * per token), and the share of the idle-to-limit power range drawn while GPUs wait on them (0: at its bound, idle). Fitted by
 * `scripts/calibrate/fit-tensor-parallel.ts` to ML.ENERGY v3's Llama-3.1-70B BF16 runs on 4 x H100;
 * docs/calibration.md ("Tensor parallelism").
 */
export interface TensorParallelCalibration {
  allReduceBytesPerSecond: number;
  communicationPowerWeight: number;
}

export const TENSOR_PARALLEL_CALIBRATION: Readonly<TensorParallelCalibration> = {
  allReduceBytesPerSecond: 196e9,
  communicationPowerWeight: 0,
};

/**
 * Speculative decoding's fitted constant: host, launch and per-sequence cost of one drafter pass as a share of a
 * target iteration's (stepOverheadSeconds + perSequenceOverheadSeconds x sequences). Fitted by
 * `scripts/calibrate/fit-speculative.ts` to vLLM #20780 (EAGLE-3, Llama-3.1-8B, 3 drafts, H100, batch 1: a speculative
 * step costs 1.62x a plain one); docs/calibration.md ("Speculative decoding").
 */
export interface SpeculativeCalibration {
  draftPassOverheadFraction: number;
}

export const SPECULATIVE_CALIBRATION: Readonly<SpeculativeCalibration> = {
  draftPassOverheadFraction: 0.85,
};
