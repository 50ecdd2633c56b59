import type { IncomingHttpHeaders } from 'node:http';
import { HINT_HEADERS, parseHints, parsePriority } from '../classify/hints.js';
import type { NormalizedRequest } from '../classify/normalized-request.js';
import { checkModel, checkPositiveInteger, checkRole, samplingOf } from '../protocol/request-fields.js';
import { invalidRequest } from '../protocol/router-error.js';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function textOf(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, j) => {
        const p = part as { type?: unknown; text?: unknown };
        if (p && p.type === 'text' && typeof p.text === 'string') return p.text;
        if (p && typeof p.type === 'string') return '';
        throw invalidRequest(
          `messages[${i}].content[${j}] must be a content part with a type`,
          `messages[${i}].content`,
        );
      })
      .join('\n');
  }
  throw invalidRequest(
    `messages[${i}].content must be a string or an array of content parts`,
    `messages[${i}].content`,
  );
}

const isTokenIds = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === 'number' && Number.isInteger(t) && t >= 0);

/**
 * A completions prompt as OpenAI and vLLM take it: a string, a batch of strings, token ids, or a batch of token-id
 * lists. Text is what the heuristics read; token ids are counted exactly.
 */
function promptOf(prompt: unknown): { text: string; promptTokens?: number } {
  if (typeof prompt === 'string') return { text: prompt };
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((p) => typeof p === 'string')) return { text: (prompt as string[]).join('\n') };
    if (isTokenIds(prompt)) return { text: '', promptTokens: prompt.length };
    if (prompt.every(isTokenIds))
      return { text: '', promptTokens: (prompt as number[][]).reduce((n, ids) => n + ids.length, 0) };
  }
  throw invalidRequest(
    'prompt must be a string, a non-empty array of strings, an array of token ids (non-negative integers) or an array of such arrays',
    'prompt',
  );
}

/** stream_options as OpenAI defines it; a wrong type is refused, never rewritten. */
function includeUsageOf(body: Record<string, unknown>): boolean {
  const options = body['stream_options'];
  if (options === undefined || options === null) return false;
  if (typeof options !== 'object' || Array.isArray(options))
    throw invalidRequest('stream_options must be an object', 'stream_options');
  const include = (options as Record<string, unknown>)['include_usage'];
  if (include !== undefined && include !== null && typeof include !== 'boolean')
    throw invalidRequest('stream_options.include_usage must be a boolean', 'stream_options.include_usage');
  return include === true;
}

/**
 * Validates an OpenAI completions / chat-completions body and normalizes it. Throws a RouterError naming the
 * offending parameter, as OpenAI does, so clients show a useful message.
 */
export function normalizeOpenAiRequest(
  kind: NormalizedRequest['kind'],
  parsed: unknown,
  raw: Buffer,
  headers: IncomingHttpHeaders,
  servedModel: string,
): NormalizedRequest {
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalidRequest('the request body must be a JSON object');
  const body = parsed as Record<string, unknown>;
  const model = checkModel(body['model'], servedModel, false);
  if (body['stream'] !== undefined && body['stream'] !== null && typeof body['stream'] !== 'boolean')
    throw invalidRequest('stream must be a boolean', 'stream');
  let text: string;
  let ask: string;
  let promptTokens: number | undefined;
  let messages: NormalizedRequest['messages'];
  if (kind === 'chat') {
    const list = body['messages'];
    if (!Array.isArray(list) || list.length === 0)
      throw invalidRequest('messages must be a non-empty array', 'messages');
    const parts = list.map((m: unknown, i) => {
      if (!m || typeof m !== 'object') throw invalidRequest(`messages[${i}] must be an object`, `messages[${i}]`);
      const msg = m as { role?: unknown; content?: unknown };
      return { role: checkRole(msg.role, i), text: textOf(msg.content, i) };
    });
    text = parts.map((p) => p.text).join('\n');
    messages = parts.map((p) => ({ role: p.role, content: p.text }));
    ask = [...parts].reverse().find((p) => p.role === 'user')?.text ?? text;
  } else {
    ({ text, promptTokens } = promptOf(body['prompt']));
    ask = text;
  }
  return {
    kind,
    model,
    text,
    ...(messages ? { messages } : {}),
    ask,
    promptTokens,
    maxTokens:
      checkPositiveInteger(body['max_completion_tokens'], 'max_completion_tokens') ??
      checkPositiveInteger(body['max_tokens'], 'max_tokens'),
    ...samplingOf(body['temperature'], body['top_p']),
    stream: body['stream'] === true,
    includeUsage: includeUsageOf(body),
    hints: parseHints({
      type: header(headers, HINT_HEADERS.type),
      difficulty: header(headers, HINT_HEADERS.difficulty),
      expectedOutputTokens: header(headers, HINT_HEADERS.expectedOutputTokens),
      domain: header(headers, HINT_HEADERS.domain),
    }),
    tenant: header(headers, HINT_HEADERS.tenant) ?? '',
    priority: parsePriority(header(headers, HINT_HEADERS.priority)),
    body,
    raw,
  };
}
