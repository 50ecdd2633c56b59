import type { IncomingHttpHeaders } from 'node:http';
import { HINT_HEADERS, parseHints, parsePriority } from '../classify/hints.js';
import { InvalidRequestError } from '../classify/normalized-request.js';
import type { NormalizedRequest } from '../classify/normalized-request.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

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
        throw new InvalidRequestError(`messages[${i}].content[${j}] must be a content part with a type`, `messages[${i}].content`);
      })
      .join('\n');
  }
  throw new InvalidRequestError(`messages[${i}].content must be a string or an array of content parts`, `messages[${i}].content`);
}

function positiveInt(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new InvalidRequestError(`${key} must be a positive integer`, key);
  return v;
}

/**
 * Validates an OpenAI completions / chat-completions body and normalizes it. Throws InvalidRequestError with the
 * offending parameter, as OpenAI does, so clients show a useful message.
 */
export function normalizeOpenAiRequest(kind: 'chat' | 'completion', parsed: unknown, headers: IncomingHttpHeaders, servedModel: string): NormalizedRequest {
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidRequestError('the request body must be a JSON object');
  const body = parsed as Record<string, unknown>;
  if (typeof body['model'] !== 'string' || body['model'] === '') throw new InvalidRequestError('model is required', 'model');
  if (body['model'] !== servedModel) throw new InvalidRequestError(`The model \`${body['model']}\` does not exist; this router serves \`${servedModel}\``, 'model', 'model_not_found');
  if (body['stream'] !== undefined && body['stream'] !== null && typeof body['stream'] !== 'boolean') throw new InvalidRequestError('stream must be a boolean', 'stream');
  let text: string;
  let ask: string;
  if (kind === 'chat') {
    const messages = body['messages'];
    if (!Array.isArray(messages) || messages.length === 0) throw new InvalidRequestError('messages must be a non-empty array', 'messages');
    const parts = messages.map((m: unknown, i) => {
      const msg = m as { role?: unknown; content?: unknown };
      if (!msg || typeof msg !== 'object' || typeof msg.role !== 'string' || !ROLES.has(msg.role)) {
        throw new InvalidRequestError(`messages[${i}].role must be one of ${[...ROLES].join(', ')}`, `messages[${i}].role`);
      }
      return { role: msg.role, text: textOf(msg.content, i) };
    });
    text = parts.map((p) => p.text).join('\n');
    ask = [...parts].reverse().find((p) => p.role === 'user')?.text ?? text;
  } else {
    const prompt = body['prompt'];
    if (typeof prompt === 'string') text = prompt;
    else if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') text = prompt[0];
    else throw new InvalidRequestError('prompt must be a string (or an array of one string)', 'prompt');
    ask = text;
  }
  return {
    kind,
    model: body['model'],
    text,
    ask,
    maxTokens: positiveInt(body, 'max_completion_tokens') ?? positiveInt(body, 'max_tokens'),
    stream: body['stream'] === true,
    hints: parseHints({
      type: header(headers, HINT_HEADERS.type),
      difficulty: header(headers, HINT_HEADERS.difficulty),
      expectedOutputTokens: header(headers, HINT_HEADERS.expectedOutputTokens),
    }),
    tenant: header(headers, HINT_HEADERS.tenant) ?? '',
    priority: parsePriority(header(headers, HINT_HEADERS.priority)),
    body,
  };
}
