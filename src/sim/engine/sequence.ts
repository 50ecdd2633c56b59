import type { RequestType } from '../../model/types.js';
import type { CoreRequest, FinishReason, RequestResult } from './core-types.js';

/** A request's state inside the engine, from queueing to its last token. */
export interface Sequence {
  req: CoreRequest;
  type: RequestType;
  arrival: number;
  scheduledAt?: number;
  firstTokenAt?: number;
  /** Tokens to prefill: the prompt, plus generated tokens after a recompute preemption. */
  prefillTarget: number;
  prefillDone: number;
  cachedTokens: number;
  generated: number;
  limit: number;
  kvBlocks: number;
  energy: number;
  preemptions: number;
  promptCounted: boolean;
  aborted: boolean;
}

export function newSequence(req: CoreRequest, arrival: number): Sequence {
  return {
    req,
    type: req.requestType ?? 'chat',
    arrival,
    prefillTarget: req.promptTokens,
    prefillDone: 0,
    cachedTokens: 0,
    generated: 0,
    limit: Math.max(1, Math.min(req.outputTokens, req.maxTokens)),
    kvBlocks: 0,
    energy: 0,
    preemptions: 0,
    promptCounted: false,
    aborted: false,
  };
}

export function resultOf(seq: Sequence, time: number, reason: FinishReason): RequestResult {
  const result: RequestResult = {
    id: seq.req.id,
    promptTokens: seq.req.promptTokens,
    cachedPromptTokens: seq.cachedTokens,
    outputTokens: seq.generated,
    finishReason: reason,
    arrivalTime: seq.arrival,
    finishTime: time,
    energyJoules: seq.energy,
    preemptions: seq.preemptions,
  };
  if (seq.scheduledAt !== undefined) result.scheduledTime = seq.scheduledAt;
  if (seq.firstTokenAt !== undefined) result.firstTokenTime = seq.firstTokenAt;
  return result;
}
