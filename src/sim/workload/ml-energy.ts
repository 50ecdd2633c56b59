import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../api/repo-root.js';
import type { StepRecord } from '../engine/core-types.js';
import { createEngineCore } from '../engine/core.js';
import type { EngineCalibration, TensorParallelCalibration } from '../../model/calibration.js';
import { createRng, normal } from '../../model/rng.js';
import type { GpuSpec, ModeProfile, ModelSpec } from '../../model/types.js';

/** One published ML.ENERGY Leaderboard v3 run: one model, GPU count and `max_num_seqs`, measured at steady state. */
export interface MlEnergyRow {
  /** GPU as the leaderboard names it ("H100", "B200"). */
  gpu: string;
  numGpus: number;
  tensorParallel: number;
  maxNumSeqs: number;
  avgBatchSize: number;
  avgOutputTokens: number;
  outputTokensPerSecond: number;
  /** All GPUs of the run together, watts. */
  averagePowerWatts: number;
  joulesPerOutputToken: number;
  medianItlMs: number;
  /** Output lengths of this run's requests (present on the rows the simulator replays). */
  outputLengthHistogram?: { binEdges: number[]; counts: number[] };
}

export interface MlEnergyDataset {
  model: string;
  weightPrecision: string;
  task: string;
  source: string;
  rows: MlEnergyRow[];
}

/** Reads one extracted leaderboard file from data/ml-energy/ (source and licence in its README). */
export function loadMlEnergyDataset(name: string): MlEnergyDataset {
  return JSON.parse(readFileSync(join(repoRoot(), 'data', 'ml-energy', `${name}.json`), 'utf8')) as MlEnergyDataset;
}

/**
 * Prompt length of the benchmark's `lm-arena-chat` requests, tokens: an **estimate** (log-normal), since neither the
 * leaderboard data nor the benchmark's sources publish it. Derivation in docs/calibration.md ("ML.ENERGY replay").
 */
export const LM_ARENA_PROMPT_TOKENS: Readonly<PromptLengths> = { median: 64, sigma: 1.3, min: 8, max: 16384 };

/** Log-normal prompt lengths (median and log-space sigma), clamped to [min, max] tokens. */
export interface PromptLengths {
  median: number;
  sigma: number;
  min: number;
  max: number;
}

function samplePromptTokens(lengths: PromptLengths, random: () => number): number {
  const { median, sigma, min, max } = lengths;
  return Math.min(max, Math.max(min, Math.round(median * Math.exp(sigma * normal(random)))));
}

/**
 * A row without its own output-length histogram, given the histogram of another model's run at the nearest
 * max_num_seqs at or below it (the same benchmark's lm-arena-chat requests, so the same length distribution up to the
 * model's own style; used for the 70B rows, extracted without histograms).
 */
export function withBorrowedHistogram(row: MlEnergyRow, donors: readonly MlEnergyRow[]): MlEnergyRow {
  if (row.outputLengthHistogram) return row;
  const donor = [...donors]
    .filter((d) => d.outputLengthHistogram && d.maxNumSeqs <= row.maxNumSeqs)
    .sort((a, b) => b.maxNumSeqs - a.maxNumSeqs)[0];
  if (!donor)
    throw new Error(`no run at or below max_num_seqs ${row.maxNumSeqs} to borrow an output-length histogram from`);
  return { ...row, outputLengthHistogram: donor.outputLengthHistogram! };
}

/** Draws from a histogram: a bin in proportion to its count, then uniformly inside it. */
function sampleHistogram(histogram: { binEdges: number[]; counts: number[] }, random: () => number): number {
  const total = histogram.counts.reduce((a, b) => a + b, 0);
  let pick = random() * total;
  for (let i = 0; i < histogram.counts.length; i += 1) {
    pick -= histogram.counts[i]!;
    if (pick < 0) {
      const lo = histogram.binEdges[i]!;
      const hi = histogram.binEdges[i + 1]!;
      return Math.max(1, Math.round(lo + random() * (hi - lo)));
    }
  }
  return Math.round(histogram.binEdges[histogram.binEdges.length - 1]!);
}

export interface ReplayOptions {
  gpu: GpuSpec | string;
  model: ModelSpec | string;
  mode: ModeProfile;
  tensorParallel?: number;
  seed?: number;
  /** Prompt lengths to replay instead of the estimate (sensitivity runs). */
  promptLengths?: PromptLengths;
  /** Constants to try instead of the fitted ones (the fitting script). */
  calibration?: EngineCalibration;
  tensorParallelCalibration?: TensorParallelCalibration;
  onStep?: (step: StepRecord) => void;
}

/** Steady-state figures of a replay, in the leaderboard's units (power is all GPUs of the replica together). */
export interface ReplayResult {
  outputTokensPerSecond: number;
  averagePowerWatts: number;
  joulesPerOutputToken: number;
  /** The steady-state window the figures cover, simulated seconds. */
  window: { start: number; end: number };
}

/**
 * Replays one leaderboard run the way the benchmark produced it: every request is queued at once, so vLLM keeps
 * `max_num_seqs` sequences running; the leaderboard reports the steady state, so the figures here are taken between
 * the first `max_num_seqs` completions (ramp-up) and the moment the queue empties (drain).
 */
export function replayMlEnergyRow(row: MlEnergyRow, options: ReplayOptions): ReplayResult {
  if (!row.outputLengthHistogram)
    throw new Error(
      `row ${row.gpu} x${row.numGpus} max_num_seqs ${row.maxNumSeqs} has no output-length histogram to replay`,
    );
  const histogram = row.outputLengthHistogram;
  const batch = row.maxNumSeqs;
  const core = createEngineCore({
    gpu: options.gpu,
    model: options.model,
    mode: options.mode,
    tensorParallel: options.tensorParallel ?? row.tensorParallel,
    seed: options.seed ?? 1,
    maxNumSeqs: batch,
    ...(options.calibration ? { calibration: options.calibration } : {}),
    ...(options.tensorParallelCalibration ? { tensorParallelCalibration: options.tensorParallelCalibration } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });
  const random = createRng((options.seed ?? 1) + 1);
  const total = Math.max(4 * batch, 400);
  let submitted = 0;
  let completed = 0;
  let windowTokens = 0;
  let window: { start: number; energy: number } | undefined;
  let end: { time: number; energy: number } | undefined;
  const submitNext = (): void => {
    const i = submitted;
    submitted += 1;
    const outputTokens = sampleHistogram(histogram, random);
    core.submit(
      {
        id: `r${i}`,
        promptTokens: samplePromptTokens(options.promptLengths ?? LM_ARENA_PROMPT_TOKENS, random),
        outputTokens,
        maxTokens: outputTokens,
      },
      (event) => {
        if (event.type === 'tokens' && window && !end) windowTokens += event.count;
        if (event.type !== 'done') return;
        completed += 1;
        if (completed === batch) window = { start: core.now(), energy: core.energyJoules() };
        if (submitted < total) submitNext();
        else end ??= { time: core.now(), energy: core.energyJoules() };
      },
    );
  };
  for (let i = 0; i < batch; i += 1) submitNext();
  core.runUntilIdle();
  if (!window || !end || end.time <= window.start) throw new Error('replay ended before reaching steady state');
  const seconds = end.time - window.start;
  const energy = end.energy - window.energy;
  return {
    outputTokensPerSecond: windowTokens / seconds,
    averagePowerWatts: energy / seconds,
    joulesPerOutputToken: energy / windowTokens,
    window: { start: window.start, end: end.time },
  };
}
