import type { RequestResult } from '../engine/core-types.js';

export interface WorkloadSummary {
  requests: number;
  promptTokens: number;
  outputTokens: number;
  /** Simulated seconds from the first arrival to the last completion. */
  seconds: number;
  energyJoules: number;
  joulesPerOutputToken: number;
  outputTokensPerSecond: number;
  averagePowerWatts: number;
  meanLatencySeconds: number;
  meanTtftSeconds: number;
  /** Mean time per output token after the first, over requests with more than one token. */
  meanTpotSeconds: number;
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Aggregates finished requests and the engine's energy over the run. */
export function summarise(results: readonly RequestResult[], seconds: number, energyJoules: number): WorkloadSummary {
  const outputTokens = results.reduce((s, r) => s + r.outputTokens, 0);
  const tpots = results
    .filter((r) => r.outputTokens > 1 && r.firstTokenTime !== undefined)
    .map((r) => (r.finishTime - (r.firstTokenTime as number)) / (r.outputTokens - 1));
  return {
    requests: results.length,
    promptTokens: results.reduce((s, r) => s + r.promptTokens, 0),
    outputTokens,
    seconds,
    energyJoules,
    joulesPerOutputToken: outputTokens > 0 ? energyJoules / outputTokens : 0,
    outputTokensPerSecond: seconds > 0 ? outputTokens / seconds : 0,
    averagePowerWatts: seconds > 0 ? energyJoules / seconds : 0,
    meanLatencySeconds: mean(results.map((r) => r.finishTime - r.arrivalTime)),
    meanTtftSeconds: mean(results.map((r) => (r.firstTokenTime ?? r.finishTime) - r.arrivalTime)),
    meanTpotSeconds: mean(tpots),
  };
}
