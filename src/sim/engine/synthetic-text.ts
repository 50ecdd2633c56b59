/**
 * Words that are each exactly one Llama 3 token (with their leading space), so generated text re-tokenizes to the
 * token count reported in `usage`.
 */
export const ONE_TOKEN_WORDS = [
  ' the',
  ' of',
  ' and',
  ' to',
  ' in',
  ' a',
  ' is',
  ' that',
  ' for',
  ' it',
  ' with',
  ' as',
  ' was',
  ' on',
  ' be',
  ' at',
  ' by',
  ' this',
  ' have',
  ' from',
  ' model',
  ' mode',
  ' token',
  ' power',
  ' energy',
  ' fast',
  ' data',
  ' value',
  ' result',
] as const;

/** Synthetic text of exactly `count` tokens, drawn from the request's random stream. */
export function syntheticText(count: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += ONE_TOKEN_WORDS[Math.floor(random() * ONE_TOKEN_WORDS.length)];
  return out;
}
