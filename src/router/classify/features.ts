import type { RequestFeatures } from '../../api/v1alpha1/rule-env.js';
import { requestDomain } from './domain.js';
import type { NormalizedRequest } from './normalized-request.js';
import type { PrefixTracker } from './prefix-tracker.js';
import { EXPECTED_OUTPUT_TOKENS, guessDifficulty, guessRequestType } from './request-type.js';

export interface ClassifyDeps {
  /** Prompt tokens of the request (tokenizer or estimate; measured apart from the rest in the bench). */
  inputTokens: number;
  prefixes: PrefixTracker;
  /** Chars per token, to express a shared prefix in tokens. */
  charsPerToken: number;
  /** Context length of the model, for maxOutputTokens when the client sets none. */
  maxModelLen: number;
  now: number;
  /** False for a dry run (Classify): the request is not remembered as a prefix seen. */
  record?: boolean;
  /**
   * False when nothing reads `request.domain` (no rule names it, no mode lists domains): the domain classifier, the
   * costliest feature, is skipped and the domain is the client's hint or '' (not classified). Default true.
   */
  classifyDomain?: boolean;
}

/** The features a rule reads. A client hint always wins over the heuristic. */
export function classify(req: NormalizedRequest, deps: ClassifyDeps): RequestFeatures {
  const { inputTokens } = deps;
  const type = req.hints.type ?? guessRequestType(req.ask);
  const maxOutputTokens = req.maxTokens ?? Math.max(0, deps.maxModelLen - inputTokens);
  const expected = req.hints.expectedOutputTokens ?? Math.min(EXPECTED_OUTPUT_TOKENS[type], maxOutputTokens);
  const prefixChars = deps.prefixes.observe(req.text, deps.now, deps.record ?? true);
  // CEL ints are bigint (rule-env.ts), so `request.inputTokens * 2` type-checks in a rule.
  return {
    model: req.model,
    inputTokens: BigInt(inputTokens),
    maxOutputTokens: BigInt(maxOutputTokens),
    expectedOutputTokens: BigInt(expected),
    type,
    // The domain classifier costs about as much as every other feature together: run it only when something reads
    // it. (Not a lazy getter: an accessor on every features object doubled the decision's cost.)
    domain: deps.classifyDomain === false ? (req.hints.domain ?? '') : requestDomain(req.hints.domain, req.ask),
    difficulty: req.hints.difficulty ?? guessDifficulty(type, inputTokens),
    sharedPrefix: prefixChars > 0,
    prefixTokens: BigInt(prefixChars > 0 ? Math.round(prefixChars / deps.charsPerToken) : 0),
    tenant: req.tenant,
    priority: BigInt(req.priority),
    stream: req.stream,
    temperature: req.temperature ?? 1,
    topP: req.topP ?? 1,
  };
}
