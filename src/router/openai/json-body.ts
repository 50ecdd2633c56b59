import { invalidRequest } from '../protocol/router-error.js';

/**
 * Deepest nesting of arrays and objects a request may have. OpenAI bodies nest a handful of levels (tool schemas a
 * few more); thousands of levels would overflow the stack when the body is serialised again.
 */
export const MAX_JSON_DEPTH = 64;

/** The nesting depth of a JSON text, strings skipped; stops counting once past `limit`. */
function depthOf(buf: Buffer, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c /* \\ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return max;
}

/** Parses a request body as JSON, refusing (400) invalid JSON and nesting deeper than MAX_JSON_DEPTH. */
export function parseJsonBody(body: Buffer): unknown {
  if (depthOf(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    throw invalidRequest(`the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidRequest('the request body is not valid JSON');
  }
}
