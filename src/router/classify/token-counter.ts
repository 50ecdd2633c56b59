import llama3Tokenizer from 'llama3-tokenizer-js';
import { renderLlama31Chat, type ChatMessage } from '../../model/chat-template.js';
import type { NormalizedRequest } from './normalized-request.js';

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
/** Llama 3.1 to 3.3 Instruct share the chat template (their date defaults differ, not their token counts). */
const LLAMA31_CHAT = /llama[-_ .]?3[._ -]?[123]\b/i;

const encode = (text: string): number[] => llama3Tokenizer.encode(text, { bos: false, eos: false });
/** The template without any message text: BOS, the system block and the generation prompt. */
const TEMPLATE_TOKENS = encode(renderLlama31Chat([])).length;
/** What one message's header and end-of-turn token add, by role (`user`, `assistant`, ... are one token each). */
const headerTokens = new Map<string, number>();
function headerTokensOf(role: string): number {
  let n = headerTokens.get(role);
  if (n === undefined) {
    // After another turn, so that a system role is a turn of its own, not the template's system block.
    const first = { role: 'user', content: '' };
    n = encode(renderLlama31Chat([first, { role, content: '' }])).length - encode(renderLlama31Chat([first])).length;
    if (headerTokens.size < 16) headerTokens.set(role, n);
  }
  return n;
}

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

  /**
   * The prompt tokens an engine will count for a request, as vLLM does for the Llama 3.1 models: a chat through its
   * chat template (a leading system message goes inside the template's system block; every text is trimmed), and a
   * completions prompt with its BOS token. The template's own tokens are exact (they split at special tokens, so they
   * add to the messages' counts); message texts are tokenized or estimated as `count` does.
   */
  countPrompt(req: Pick<NormalizedRequest, 'kind' | 'text' | 'model' | 'messages'>): number {
    if (!LLAMA31_CHAT.test(req.model)) return this.count(req.text, req.model);
    if (req.kind !== 'chat' || !req.messages) return this.count(req.text, req.model) + 1;
    const messages: ChatMessage[] = req.messages.map((m) => ({ role: m.role, content: m.content.trim() }));
    const chars = messages.reduce((n, m) => n + m.content.length, 0);
    if (chars < this.options.tokenizeBelowChars) return encode(renderLlama31Chat(messages)).length;
    let tokens = TEMPLATE_TOKENS;
    messages.forEach((m, i) => {
      if (i > 0 || m.role !== 'system') tokens += headerTokensOf(m.role);
    });
    return tokens + this.estimate(chars);
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
