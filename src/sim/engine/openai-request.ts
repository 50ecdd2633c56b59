import { MAX_LOGPROBS } from './logprobs.js';
import { badRequest, OpenAiError } from './openai-errors.js';
import { renderLlama31Chat, type ChatMessage } from '../../model/chat-template.js';
import { decode, decodeEach, encode, encodeCompletionPrompt } from './tokens.js';

export type ApiKind = 'completion' | 'chat';

/** A validated OpenAI request reduced to what the simulator needs. */
export interface ParsedRequest {
  kind: ApiKind;
  model: string;
  /** Set when `model` names a LoRA adapter rather than the base model. */
  adapter?: string;
  promptTokenIds: number[];
  /** max_tokens (or max_completion_tokens); undefined lets the context window decide. */
  maxTokens?: number;
  minTokens: number;
  ignoreEos: boolean;
  stream: boolean;
  includeUsage: boolean;
  /** Alternatives per token when the client asked for logprobs (chat `top_logprobs`, completions `logprobs`). */
  logprobs?: number;
  /** The client's `seed`: the same seed gives the same answer (text, length, logprobs), as vLLM's seeded sampling. */
  seed?: number;
  /** With `echo`: the text the answer starts with, and (completions) the prompt's tokens, which get logprobs too. */
  echo?: { text: string; promptTokens?: string[] };
  /** The request's sampling temperature; undefined when unset (the served model's generation config then decides). */
  temperature?: number;
}

type Json = Record<string, unknown>;

const NO_ADAPTERS: ReadonlySet<string> = new Set();

function optionalInteger(body: Json, key: string, min: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw badRequest(`${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function optionalNumberIn(body: Json, key: string, min: number, max: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || v < min || v > max)
    throw badRequest(`${key} must be a number between ${min} and ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function optionalBoolean(body: Json, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw badRequest(`${key} must be a boolean`);
  return v;
}

/** vLLM's checks of a logprobs count (chat_completion/protocol.py check_logprobs, sampling_params.py). */
function logprobsCount(body: Json, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw badRequest(`\`${key}\` must be an integer.`, key);
  if (v < 0 && v !== -1) throw badRequest(`\`${key}\` must be a positive value or -1.`, key);
  // -1 asks for the whole vocabulary, which is over the limit too.
  if (v === -1 || v > MAX_LOGPROBS)
    throw badRequest(
      `Requested sample logprobs of ${v === -1 ? 128256 : v}, which is greater than max allowed: ${MAX_LOGPROBS}`,
      'logprobs',
    );
  return v;
}

/** Chat: `logprobs` (a boolean) turns them on, `top_logprobs` adds alternatives and needs `logprobs`. */
function chatLogprobsOf(body: Json): number | undefined {
  const on = optionalBoolean(body, 'logprobs');
  const top = logprobsCount(body, 'top_logprobs');
  if (top !== undefined && top > 0 && !on)
    throw badRequest('when using `top_logprobs`, `logprobs` must be set to true.', 'top_logprobs');
  return on ? (top ?? 0) : undefined;
}

function messageText(content: unknown, index: number): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        const p = part as Json;
        if (p && p['type'] === 'text' && typeof p['text'] === 'string') return p['text'];
        throw badRequest(`messages[${index}].content: only text parts are supported by this model`);
      })
      .join('\n');
  }
  throw badRequest(`messages[${index}].content must be a string or an array of text parts`);
}

function chatMessages(body: Json): ChatMessage[] {
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) throw badRequest('messages must be a non-empty array');
  const parsed: ChatMessage[] = messages.map((m: unknown, i) => {
    const msg = m as Json;
    if (!msg || typeof msg !== 'object' || typeof msg['role'] !== 'string')
      throw badRequest(`messages[${i}].role must be a string`);
    return { role: msg['role'], content: messageText(msg['content'], i) };
  });
  return parsed;
}

function completionPrompt(body: Json): number[] {
  const prompt = body['prompt'];
  if (typeof prompt === 'string') return encodeCompletionPrompt(prompt);
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((t) => Number.isInteger(t) && (t as number) >= 0))
    return prompt as number[];
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string')
    return encodeCompletionPrompt(prompt[0]);
  throw badRequest('prompt must be a string, a one-element array of strings, or an array of token ids');
}

/**
 * Validates an OpenAI completions / chat body against the served model and the LoRA adapters loaded beside it
 * (`adapters`: their `--lora-modules` names, which requests name as `model`); throws OpenAiError (400/404).
 */
export function parseOpenAiRequest(
  kind: ApiKind,
  raw: unknown,
  servedModel: string,
  maxModelLen: number,
  adapters: ReadonlySet<string> = NO_ADAPTERS,
): ParsedRequest {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('request body must be a JSON object');
  const body = raw as Json;
  const model = body['model'];
  if (typeof model !== 'string') throw badRequest('model must be a string');
  if (model !== servedModel && !adapters.has(model))
    throw new OpenAiError(404, `The model \`${model}\` does not exist.`);
  const n = optionalInteger(body, 'n', 1);
  if (n !== undefined && n !== 1) throw badRequest('n > 1 is not supported by the simulator');
  const temperature = optionalNumberIn(body, 'temperature', 0, 2);
  optionalNumberIn(body, 'top_p', 0, 1);
  const maxTokens = optionalInteger(body, 'max_completion_tokens', 1) ?? optionalInteger(body, 'max_tokens', 1);
  const minTokens = optionalInteger(body, 'min_tokens', 0) ?? 0;
  if (maxTokens !== undefined && minTokens > maxTokens)
    throw badRequest(`min_tokens (${minTokens}) must be <= max_tokens (${maxTokens})`);
  const stream = optionalBoolean(body, 'stream');
  const streamOptions = body['stream_options'];
  if (streamOptions !== undefined && streamOptions !== null && !stream)
    throw badRequest('stream_options can only be set if stream is true');
  const includeUsage = !!(
    streamOptions &&
    typeof streamOptions === 'object' &&
    (streamOptions as Json)['include_usage'] === true
  );
  const messages = kind === 'chat' ? chatMessages(body) : [];
  const promptTokenIds = kind === 'chat' ? encode(renderLlama31Chat(messages)) : completionPrompt(body);
  const logprobs = kind === 'chat' ? chatLogprobsOf(body) : logprobsCount(body, 'logprobs');
  if (kind === 'completion' && body['suffix'] !== undefined && body['suffix'] !== null)
    throw badRequest('suffix is not supported by this model (it has no fill-in-the-middle rendering)', 'suffix');
  const requested = promptTokenIds.length + (maxTokens ?? 0);
  if (requested > maxModelLen || promptTokenIds.length >= maxModelLen) {
    throw badRequest(
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${requested} tokens ` +
        `(${promptTokenIds.length} in the messages, ${maxTokens ?? 0} in the completion). Please reduce the length of the messages or completion.`,
    );
  }
  const parsed: ParsedRequest = {
    kind,
    model,
    promptTokenIds,
    minTokens,
    ignoreEos: optionalBoolean(body, 'ignore_eos'),
    stream,
    includeUsage,
  };
  if (model !== servedModel) parsed.adapter = model;
  if (logprobs !== undefined) parsed.logprobs = logprobs;
  const seed = body['seed'];
  if (seed !== undefined && seed !== null) {
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) throw badRequest('seed must be an integer', 'seed');
    parsed.seed = seed;
  }
  if (optionalBoolean(body, 'echo')) {
    // Completions echo the prompt (vLLM decodes token-id prompts); chat echoes a last message in the answer's role.
    const last = messages.at(-1);
    if (kind === 'completion') {
      const prompt = body['prompt'];
      const text =
        typeof prompt === 'string'
          ? prompt
          : Array.isArray(prompt) && typeof prompt[0] === 'string'
            ? prompt[0]
            : decode(promptTokenIds);
      parsed.echo = { text, promptTokens: decodeEach(promptTokenIds) };
    } else if (last?.role === 'assistant') parsed.echo = { text: last.content };
  }
  if (maxTokens !== undefined) parsed.maxTokens = maxTokens;
  if (temperature !== undefined) parsed.temperature = temperature;
  return parsed;
}
