import { ONE_TOKEN_WORDS } from './synthetic-text.js';

/**
 * Log-probabilities of simulated tokens, in the two shapes vLLM 0.33 answers (vllm/entrypoints/openai/
 * chat_completion/protocol.py ChatCompletionLogProbs, completion/protocol.py CompletionLogProbs). The simulator
 * samples greedily: each token is its step's most likely one, and the alternatives share what probability is left.
 */
export interface TokenLogprob {
  token: string;
  /** null for a prompt's first token, which has no context to be predicted from (as vLLM's prompt logprobs). */
  logprob: number | null;
  /** The step's most likely tokens, best first (the sampled token leads); empty for a prompt's first token. */
  top: Array<{ token: string; logprob: number }>;
}

/** vLLM's default `--max-logprobs`: more alternatives per token are refused. */
export const MAX_LOGPROBS = 20;

/** Logprobs for `tokens`, with `alternatives` of the best tokens per step (the sampled one counted among them). */
export function sampleLogprobs(tokens: readonly string[], alternatives: number, random: () => number): TokenLogprob[] {
  return tokens.map((token) => {
    // The sampled token's probability, then each next alternative takes a share of what is left: a proper distribution.
    let left = 1;
    const p = 0.35 + 0.6 * random();
    left -= p;
    const top = [{ token, logprob: Math.log(p) }];
    const others = ONE_TOKEN_WORDS.filter((w) => w !== token);
    for (let i = 1; i < Math.max(1, alternatives); i += 1) {
      const share = left * (0.3 + 0.4 * random());
      left -= share;
      top.push({ token: others[(i * 7 + Math.floor(random() * 3)) % others.length]!, logprob: Math.log(share) });
    }
    // Alternatives are distinct tokens, as a top-k over the vocabulary is.
    const seen = new Set<string>();
    return { token, logprob: Math.log(p), top: top.filter((t) => !seen.has(t.token) && seen.add(t.token)) };
  });
}

/** A prompt's tokens with logprobs: the first has none, as vLLM reports prompt logprobs. */
export function promptLogprobs(tokens: readonly string[], alternatives: number, random: () => number): TokenLogprob[] {
  return tokens.map((token, i) =>
    i === 0 ? { token, logprob: null, top: [] } : sampleLogprobs([token], alternatives, random)[0]!,
  );
}

const bytesOf = (token: string): number[] => [...Buffer.from(token, 'utf8')];

/** Chat `logprobs`: `top_logprobs` alternatives per token (an empty list when 0). */
export function chatLogprobs(steps: readonly TokenLogprob[], topLogprobs: number): object {
  return {
    content: steps.map((s) => ({
      token: s.token,
      logprob: s.logprob ?? -9999.0,
      bytes: bytesOf(s.token),
      top_logprobs: s.top
        .slice(0, topLogprobs)
        .map((t) => ({ token: t.token, logprob: t.logprob, bytes: bytesOf(t.token) })),
    })),
  };
}

/**
 * Completions `logprobs`: per token its text, logprob, offset in the answer's text (which starts at `textOffset`) and
 * a map of the best `logprobs` tokens (at least the sampled one), null for a prompt's first token.
 */
export function completionLogprobs(steps: readonly TokenLogprob[], logprobs: number, textOffset: number): object {
  const offsets: number[] = [];
  let at = textOffset;
  for (const s of steps) {
    offsets.push(at);
    at += s.token.length;
  }
  return {
    text_offset: offsets,
    token_logprobs: steps.map((s) => s.logprob),
    tokens: steps.map((s) => s.token),
    top_logprobs: steps.map((s) =>
      s.logprob === null
        ? null
        : Object.fromEntries(s.top.slice(0, Math.max(1, logprobs)).map((t) => [t.token, t.logprob])),
    ),
  };
}
