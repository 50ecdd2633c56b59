import type { RequestFeatures } from '../../src/api/v1alpha1/rule-env.js';

/** A 1000-token chat request's features as the rules and the objective see them, with any field overridden. */
export function requestFeatures(over: Partial<RequestFeatures> = {}): RequestFeatures {
  return {
    model: 'm',
    inputTokens: 1000n,
    maxOutputTokens: 100n,
    expectedOutputTokens: 100n,
    type: 'chat',
    domain: 'general',
    difficulty: 0.2,
    sharedPrefix: false,
    prefixTokens: 0n,
    tenant: '',
    priority: 0n,
    stream: false,
    temperature: 1,
    topP: 1,
    ...over,
  };
}
