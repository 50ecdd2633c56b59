import { StringDecoder } from 'node:string_decoder';

/** Usage as the engine reports it in its last chunk or its JSON answer. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

/** Splits a server-sent-event byte stream into whole events; partial events wait for their end. */
export class SseSplitter {
  private pending = '';
  // A multi-byte character can straddle two network chunks; the decoder holds its first bytes back.
  private readonly decoder = new StringDecoder('utf8');

  push(chunk: Buffer): string[] {
    this.pending += this.decoder.write(chunk);
    const events: string[] = [];
    let end: number;
    while ((end = this.pending.indexOf('\n\n')) >= 0) {
      events.push(this.pending.slice(0, end + 2));
      this.pending = this.pending.slice(end + 2);
    }
    return events;
  }

  /** What is left when the stream ends (an engine may omit the final blank line). */
  flush(): string {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return rest;
  }
}

/** The JSON of an event's data line; 'done' for `[DONE]`; undefined for comments and unparsable data. */
export function eventData(event: string): Record<string, unknown> | 'done' | undefined {
  const at = event.indexOf('data:');
  if (at < 0) return undefined;
  const data = event.slice(at + 5).trim();
  if (data === '[DONE]') return 'done';
  try {
    const parsed: unknown = JSON.parse(data);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * More tokens than any context window holds: a count above it is an engine fault, not usage. Also keeps every sum of
 * counts an exact integer for the metrics.
 */
export const MAX_USAGE_TOKENS = 1e9;

/** A token count as an engine reports it, if it is one: an integer in [0, MAX_USAGE_TOKENS]. */
function tokenCount(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_USAGE_TOKENS ? v : undefined;
}

/**
 * The `usage` of an engine's chunk or answer. Engine answers are untrusted input: a negative, fractional, NaN or
 * infinite count (JSON's `1e400` parses to Infinity) or an absurdly large one is no usage at all (undefined).
 */
export function usageOf(obj: Record<string, unknown>): Usage | undefined {
  const u = obj['usage'] as { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
  if (!u || typeof u !== 'object') return undefined;
  const promptTokens = tokenCount(u.prompt_tokens);
  const completionTokens = tokenCount(u.completion_tokens);
  if (promptTokens === undefined || completionTokens === undefined) return undefined;
  return { promptTokens, completionTokens };
}

/** The usage-only chunk the router asked for itself (choices empty): hidden from clients that did not ask. */
export function isUsageOnlyChunk(obj: Record<string, unknown>): boolean {
  return Array.isArray(obj['choices']) && (obj['choices'] as unknown[]).length === 0 && usageOf(obj) !== undefined;
}
