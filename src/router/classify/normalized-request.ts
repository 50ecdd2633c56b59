import type { RequestType } from '../../api/v1alpha1/rule-env.js';

/** A generation request as both fronts (OpenAI HTTP and gRPC) hand it to the router core. */
export interface NormalizedRequest {
  kind: 'chat' | 'completion';
  model: string;
  /** The text the engine will read: the prompt, or the chat messages' contents joined. */
  text: string;
  /** The part of the text the heuristics read (last user message, or the prompt). */
  ask: string;
  maxTokens?: number;
  stream: boolean;
  hints: { type?: RequestType; difficulty?: number; expectedOutputTokens?: number };
  tenant: string;
  priority: number;
  /** The OpenAI JSON body sent to the engine (model rewritten to the mode's served name by the forwarder). */
  body: Record<string, unknown>;
}

/** A request the router refuses before routing: HTTP 400 / gRPC INVALID_ARGUMENT (404 / NOT_FOUND for a model). */
export class InvalidRequestError extends Error {
  constructor(
    message: string,
    readonly param?: string,
    readonly kind: 'invalid' | 'model_not_found' = 'invalid',
  ) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}
