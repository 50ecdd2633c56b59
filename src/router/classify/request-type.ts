import type { RequestType } from '../../api/v1alpha1/rule-env.js';

/** Only the head of a long ask is read: the type shows early, and the cost must stay flat. */
const SCAN_CHARS = 600;

const PATTERNS: ReadonlyArray<[RequestType, RegExp]> = [
  [
    'code',
    /```|\b(def|function|class|const|import|return|public static|#include)\b|\b(code|python|javascript|typescript|rust|golang|java|sql|regex|bug|compile|refactor|unit test)\b/i,
  ],
  ['math', /\b(solve|equation|integral|derivative|prove|theorem|calculate|compute)\b|\d\s*[-+*/^=]\s*\d/i],
  ['summarise', /\b(summari[sz]e|summary|tl;?dr|condense|key points)\b/i],
  ['extract', /\b(extract|list all|find all|parse|json|fields?|entities)\b/i],
  ['reasoning', /\b(step by step|reason|why|explain|analy[sz]e|compare|plan)\b/i],
];

/** Guesses the request type from the ask; `chat` when nothing more specific shows. */
export function guessRequestType(ask: string): RequestType {
  const head = ask.length > SCAN_CHARS ? ask.slice(0, SCAN_CHARS) : ask;
  for (const [type, pattern] of PATTERNS) if (pattern.test(head)) return type;
  return 'chat';
}

const BASE_DIFFICULTY: Record<RequestType, number> = {
  chat: 0.2,
  extract: 0.25,
  summarise: 0.3,
  code: 0.6,
  reasoning: 0.6,
  math: 0.7,
};

/** 0..1: the type's base difficulty, raised for long inputs (more context to get right). */
export function guessDifficulty(type: RequestType, inputTokens: number): number {
  const lengthFactor = Math.min(0.3, Math.log10(1 + inputTokens / 256) * 0.15);
  return Math.min(1, BASE_DIFFICULTY[type] + lengthFactor);
}

/** Typical answer lengths per type (tokens), used when the client gives no expectation. */
export const EXPECTED_OUTPUT_TOKENS: Record<RequestType, number> = {
  chat: 256,
  code: 512,
  math: 384,
  summarise: 192,
  extract: 128,
  reasoning: 768,
};
