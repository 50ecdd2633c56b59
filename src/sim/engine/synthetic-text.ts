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

/** `count` synthetic tokens (each one of ONE_TOKEN_WORDS), drawn from the request's random stream. */
export function syntheticTokens(count: number, random: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) out.push(ONE_TOKEN_WORDS[Math.floor(random() * ONE_TOKEN_WORDS.length)]!);
  return out;
}

/** Synthetic text of exactly `count` tokens, drawn from the request's random stream. */
export const syntheticText = (count: number, random: () => number): string => syntheticTokens(count, random).join('');
