import type { StepCost } from '../../model/roofline.js';
import type { RequestType } from '../../model/types.js';

/** A request as the engine core sees it: token counts only, no text. */
export interface CoreRequest {
  id: string;
  promptTokens: number;
  /** Tokens the model would produce before its end-of-sequence token (Infinity with ignore_eos). */
  outputTokens: number;
  /** The client's max_tokens cap. */
  maxTokens: number;
  requestType?: RequestType;
  /**
   * Sampling temperature (0 greedy; absent: greedy): lowers speculative acceptance (model/speculative.ts). The HTTP
   * handler always sets it, to the model's generation-config default when the client leaves it unset.
   */
  temperature?: number;
  /** The LoRA adapter (a `--lora-modules` name) the request runs through; its steps pay the adapter kernels. */
  adapter?: string;
  /** Hashes of the prompt's full 16-token KV blocks, each covering all tokens before it (prefix caching). */
  blockHashes?: readonly string[];
}

export type FinishReason = 'stop' | 'length' | 'abort';

export interface RequestResult {
  id: string;
  promptTokens: number;
  /** Prompt tokens served from the prefix cache (not recomputed). */
  cachedPromptTokens: number;
  outputTokens: number;
  finishReason: FinishReason;
  arrivalTime: number;
  /** First time the scheduler admitted it (end of queueing); undefined if aborted while waiting. */
  scheduledTime?: number;
  firstTokenTime?: number;
  finishTime: number;
  /** This request's share of GPU energy, by tokens computed per iteration, joules. */
  energyJoules: number;
  preemptions: number;
}

export type CoreEvent =
  | { type: 'scheduled'; id: string; time: number }
  | { type: 'tokens'; id: string; time: number; count: number; first: boolean; totalOutput: number }
  | { type: 'done'; id: string; time: number; result: RequestResult };

export type CoreListener = (event: CoreEvent) => void;

/** Cumulative counters, the source of vLLM's Prometheus counters. */
export interface CoreCounters {
  promptTokens: number;
  generationTokens: number;
  prefixQueries: number;
  prefixHits: number;
  specDrafts: number;
  specDraftTokens: number;
  specAcceptedTokens: number;
  specAcceptedPerPosition: number[];
  preemptions: number;
  finished: Record<FinishReason, number>;
}

/** One engine iteration, for observers (iteration-token histograms, traces). */
export interface StepRecord {
  start: number;
  end: number;
  prefillTokens: number;
  decodeTokens: number;
  powerWatts: number;
  /** Where the iteration's time went (memory-, compute-bound, overhead): what its power is derived from. */
  cost: StepCost;
}
