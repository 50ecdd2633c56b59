import llama3Tokenizer from 'llama3-tokenizer-js';

export interface TokenCounterOptions {
  /** Texts longer than this (characters) are estimated: tokenizing them would cost milliseconds per request. */
  tokenizeBelowChars: number;
  /** Starting chars-per-token ratio before calibration (English prose with Llama 3 is about 4.2). */
  initialCharsPerToken: number;
}

// llama3-tokenizer-js costs about 0.2 µs per character (p50 50 µs at 256 chars, 200 µs at 1000; bench/router.bench.ts),
// all of it on the event loop, so only short prompts are tokenized; the estimate above that is calibrated by them and
// by the engines' reported prompt_tokens.
export const DEFAULT_TOKEN_COUNTER: TokenCounterOptions = { tokenizeBelowChars: 256, initialCharsPerToken: 4.2 };

const LLAMA3 = /llama[-_ .]?3/i;

/**
 * Counts prompt tokens: the Llama 3 tokenizer for Llama 3 models under a length threshold, else an estimate whose
 * chars-per-token ratio is calibrated from every exact count (tokenizer runs and the engine's reported usage).
 */
export class TokenCounter {
  private charsPerToken: number;

  constructor(private readonly options: TokenCounterOptions = DEFAULT_TOKEN_COUNTER) {
    this.charsPerToken = options.initialCharsPerToken;
  }

  /** The current calibrated ratio (reported by the bench and docs/router.md). */
  get ratio(): number {
    return this.charsPerToken;
  }

  count(text: string, model: string): number {
    if (text.length === 0) return 0;
    if (text.length < this.options.tokenizeBelowChars && LLAMA3.test(model)) {
      const tokens = llama3Tokenizer.encode(text, { bos: false, eos: false }).length;
      this.observe(text.length, tokens);
      return tokens;
    }
    return this.estimate(text.length);
  }

  estimate(chars: number): number {
    return Math.max(1, Math.round(chars / this.charsPerToken));
  }

  /** Feeds an exact count back; an exponential average keeps the ratio current without storing history. */
  observe(chars: number, tokens: number): void {
    if (tokens <= 0 || chars < 32) return;
    this.charsPerToken += 0.05 * (chars / tokens - this.charsPerToken);
  }
}
