import { ENGINE_CALIBRATION } from './calibration.js';
import { planMemory } from './memory.js';
import { stepPowerWatts } from './power.js';
import { stepCost, type HardwareContext } from './roofline.js';
import { acceptanceByPosition, draftTokensAtBatch, expectedTokensPerStep } from './speculative.js';
import type { GpuSpec, ModeProfile, ModelSpec } from './types.js';

/** y = intercept + slope · x. */
export interface LinearFit {
  intercept: number;
  slope: number;
}

export const evaluate = (fit: LinearFit, x: number): number => fit.intercept + fit.slope * x;

/**
 * What the planner and objective routing predict with, per mode on one GPU type (one replica): each a function of the
 * replica's batch (sequences decoding at once), which is what both a router's in-flight count and vLLM's
 * `num_requests_running` measure.
 */
export interface ModeModel {
  mode: string;
  /** Seconds between a sequence's output tokens at a batch (speculative modes: step time ÷ tokens per step). */
  interToken: LinearFit;
  /** Prefill seconds against prompt tokens (one sequence, chunked prefill at full GPU rate). */
  prefill: LinearFit;
  /** Board power of the replica's GPUs together, watts, at a batch. */
  power: LinearFit;
  /** Power of an allocated replica with nothing to do, watts (all its GPUs). */
  idleWatts: number;
  /** Highest power the replica's GPUs draw together, watts. */
  maxWatts: number;
  /** Most sequences the replica can batch (KV cache at the typical context, capped by max_num_seqs). */
  maxBatch: number;
  /** GPUs one replica holds. */
  gpus: number;
}

/** Interactive traffic shape the seed is taken at: the Azure conversation trace's mean context is about 1k tokens. */
export const SEED_CONTEXT_TOKENS = 1024;
/** vLLM's default --max-num-seqs. */
export const DEFAULT_MAX_NUM_SEQS = 256;
const SEED_BATCHES = [1, 2, 4, 8, 16, 32, 64, 128];
const SEED_PROMPTS = [128, 512, 1024, 2048, 4096];

/** Ordinary least squares of y on x (exact for two distinct points; the mean when x does not vary). */
export function leastSquares(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = xs.length;
  if (n === 0 || n !== ys.length)
    throw new Error(`least squares needs equal, non-empty samples (got ${xs.length} x, ${ys.length} y)`);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i += 1) {
    sxx += ((xs[i] as number) - mx) ** 2;
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}

/**
 * A mode's model seeded from the simulator's calibrated roofline (src/model): decode iterations at each batch and
 * the seed context, prefill iterations at each prompt length, and the calibrated power of each. Used until live
 * samples refit it (mode-model-fit.ts).
 */
export function seedModeModel(gpu: GpuSpec, model: ModelSpec, profile: ModeProfile, tensorParallel = 1): ModeModel {
  const hw: HardwareContext = { gpu, model, profile, tensorParallel, calibration: ENGINE_CALIBRATION };
  const spec = profile.speculative;
  const itl: number[] = [];
  const watts: number[] = [];
  for (const b of SEED_BATCHES) {
    const draftTokens = spec ? draftTokensAtBatch(spec, b) : 0;
    const tokensPerStep =
      spec && draftTokens > 0
        ? expectedTokensPerStep(acceptanceByPosition(spec.method, draftTokens, { type: 'chat' }))
        : 1;
    const cost = stepCost(hw, {
      prefillTokens: 0,
      prefillAttention: 0,
      prefillSeqs: 0,
      decodeSeqs: b,
      decodeContext: b * SEED_CONTEXT_TOKENS,
      draftTokens,
    });
    itl.push(cost.seconds / tokensPerStep);
    watts.push(stepPowerWatts(gpu, cost) * tensorParallel);
  }
  const prefill = SEED_PROMPTS.map(
    (n) =>
      stepCost(hw, {
        prefillTokens: n,
        prefillAttention: (n * (n + 1)) / 2,
        prefillSeqs: 1,
        decodeSeqs: 0,
        decodeContext: 0,
      }).seconds,
  );
  const kvTokens = planMemory(gpu, model, profile, tensorParallel).kvCapacityTokens;
  return {
    mode: profile.name,
    interToken: leastSquares(SEED_BATCHES, itl),
    prefill: leastSquares(SEED_PROMPTS, prefill),
    power: leastSquares(SEED_BATCHES, watts),
    idleWatts: gpu.idleWatts * tensorParallel,
    maxWatts: gpu.maxWatts * tensorParallel,
    maxBatch: Math.max(1, Math.min(DEFAULT_MAX_NUM_SEQS, Math.floor(kvTokens / SEED_CONTEXT_TOKENS))),
    gpus: tensorParallel,
  };
}

/** Predicted seconds between output tokens at a batch. */
export function predictInterToken(m: ModeModel, batch: number): number {
  return Math.max(0, evaluate(m.interToken, Math.max(1, batch)));
}

/** The same model with every inter-token prediction (and so energy per token) scaled by a factor. */
export function scaleInterToken(m: ModeModel, factor: number): ModeModel {
  if (factor === 1) return m;
  return { ...m, interToken: { intercept: m.interToken.intercept * factor, slope: m.interToken.slope * factor } };
}

/** Predicted board power at a batch, between idle and the board limit. */
export function predictWatts(m: ModeModel, batch: number): number {
  if (batch <= 0) return m.idleWatts;
  return Math.min(m.maxWatts, Math.max(m.idleWatts, evaluate(m.power, batch)));
}

/** Predicted energy per output token at a batch: power × time per step ÷ sequences sharing it. */
export function predictJoulesPerToken(m: ModeModel, batch: number): number {
  const b = Math.max(1, batch);
  return (predictWatts(m, b) * predictInterToken(m, b)) / b;
}

/**
 * Predicted time to first token for a prompt arriving at a replica: the prompt tokens queued ahead of it are
 * prefilled first, then its own, then one decode step of the running batch (chunked prefill shares iterations).
 */
export function predictTtft(m: ModeModel, promptTokens: number, queuedPromptTokens: number, batch: number): number {
  return Math.max(0, evaluate(m.prefill, promptTokens + queuedPromptTokens)) + predictInterToken(m, batch);
}

/** The largest batch whose predicted inter-token time stays within a target (0 when even one sequence misses it). */
export function batchWithin(m: ModeModel, interTokenSeconds: number): number {
  if (predictInterToken(m, 1) > interTokenSeconds) return 0;
  if (m.interToken.slope <= 0) return m.maxBatch;
  return Math.max(
    1,
    Math.min(m.maxBatch, Math.floor((interTokenSeconds - m.interToken.intercept) / m.interToken.slope)),
  );
}
