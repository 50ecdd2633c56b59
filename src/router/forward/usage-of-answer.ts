import { usageOf } from './sse.js';
import type { Usage } from './sse.js';

const USAGE_KEY = Buffer.from('"usage"');

/**
 * The usage of a non-streamed engine answer. Only the `"usage": {...}` object is parsed (the engines put it last,
 * after the generated text, which can be kilobytes); the whole answer is parsed only when that shortcut fails.
 */
export function usageOfAnswer(answer: Buffer): Usage | undefined {
  const at = answer.lastIndexOf(USAGE_KEY);
  if (at >= 0) {
    const open = answer.indexOf(0x7b /* { */, at);
    const close = open < 0 ? -1 : matchingBrace(answer, open);
    if (close > 0) {
      try {
        const u = usageOf({ usage: JSON.parse(answer.subarray(open, close + 1).toString('utf8')) as unknown });
        if (u) return u;
      } catch {
        // "usage" was inside a string or the object is odd: fall through to the full parse.
      }
    }
  }
  try {
    return usageOf(JSON.parse(answer.toString('utf8')) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

/** The index of the brace closing the object opened at `open`, skipping braces inside strings; -1 if unclosed. */
function matchingBrace(buf: Buffer, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c /* \\ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */) depth++;
    else if (c === 0x7d /* } */ && --depth === 0) return i;
  }
  return -1;
}
