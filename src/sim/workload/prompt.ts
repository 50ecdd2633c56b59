import { createRng } from '../../model/rng.js';
import type { RequestType } from '../../model/types.js';
import { syntheticText } from '../engine/synthetic-text.js';
import { encode } from '../engine/tokens.js';
import type { WorkloadRequest } from './synthesize.js';

/** Tokens the Llama 3.1 chat template adds around the messages (headers, date preamble). */
export const CHAT_TEMPLATE_TOKENS = 35;

/** How each type of synthetic ask opens: wording a person would use, which the router's classifier reads. */
const LEADS: Readonly<Record<RequestType, string>> = {
  chat: 'Hi! Tell me something nice about',
  code: 'Write a Python function that refactors this code:',
  math: 'Solve the equation 3x + 7 = 22 and then',
  summarise: 'Summarize the key points of this text:',
  extract: 'Extract all named entities as JSON fields from:',
  reasoning: 'Think step by step and explain why',
};

export interface ChatPrompt {
  messages: { role: 'system' | 'user'; content: string }[];
}

/**
 * A chat request of about the trace's prompt length (one filler word is one Llama 3 token). Requests of one prefix
 * group share the same system prompt, word for word, so the router's prefix tracker and vLLM's cache see it.
 */
export function chatPromptFor(request: WorkloadRequest): ChatPrompt {
  const messages: ChatPrompt['messages'] = [];
  let userTokens = request.inputTokens - CHAT_TEMPLATE_TOKENS;
  if (request.prefixGroup >= 0) {
    const intro = `You are assistant number ${request.prefixGroup}.`;
    const fillerTokens = Math.max(1, request.prefixTokens - encode(intro).length);
    messages.push({
      role: 'system',
      content: `${intro}${syntheticText(fillerTokens, createRng(1000 + request.prefixGroup))}`,
    });
    userTokens -= request.prefixTokens;
  }
  const lead = LEADS[request.type];
  const filler = Math.max(1, userTokens - encode(lead).length);
  messages.push({ role: 'user', content: `${lead}${syntheticText(filler, createRng(request.id + 1))}` });
  return { messages };
}
