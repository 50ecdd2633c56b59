import type { RequestType } from '../../api/v1alpha1/rule-env.js';
import type { ChatMessage } from '../../model/chat-template.js';

/** A generation request as every front end hands it to the request path. */
export interface NormalizedRequest {
  kind: 'chat' | 'completion';
  model: string;
  /** The text the engine will read: the prompt(s), or the chat messages' contents joined. */
  text: string;
  /** A chat's messages (role and text), which the prompt-token count renders through the model's chat template. */
  messages?: readonly ChatMessage[];
  /** The part of the text the heuristics read (last user message, or the prompt). */
  ask: string;
  /** Prompt tokens when the client sent token ids (counted, not estimated). */
  promptTokens?: number;
  maxTokens?: number;
  /** Sampling temperature and top_p the client sent (checked: 0..2 and (0, 1]). */
  temperature?: number;
  topP?: number;
  stream: boolean;
  /** The client asked for the usage chunk of a stream (`stream_options.include_usage`); hidden otherwise. */
  includeUsage: boolean;
  /** domain: a well-formed x-modeswitch-domain hint (classify/domain.ts isDomainName). */
  hints: { type?: RequestType; difficulty?: number; expectedOutputTokens?: number; domain?: string };
  tenant: string;
  priority: number;
  /** The OpenAI JSON body sent to the engine. */
  body: Record<string, unknown>;
  /** The client's own bytes of that body, sent as they are when nothing in them changes (no re-serialising). */
  raw?: Buffer;
}
