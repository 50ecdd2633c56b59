import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRng } from '../../model/rng.js';
import { sampleOutputTokens } from '../../model/output-length.js';
import { isRequestType } from '../../model/types.js';
import type { CoreEvent } from './core-types.js';
import type { EngineCore } from './core.js';
import type { LiveDriver } from './live-driver.js';
import { parseOpenAiRequest, type ApiKind, type ParsedRequest } from './openai-request.js';
import {
  chatBody,
  chatChunk,
  completionBody,
  completionChunk,
  sse,
  usageChunk,
  usageOf,
  type ResponseIdentity,
} from './openai-response.js';
import { chatLogprobs, completionLogprobs, promptLogprobs, sampleLogprobs, type TokenLogprob } from './logprobs.js';
import { kvBlockHashes } from './tokens.js';
import { syntheticTokens } from './synthetic-text.js';
import type { VllmMetrics } from './vllm-metrics.js';

/** Header a client (the router) may set to say what kind of request this is; it moves speculative acceptance and output length. */
/** The same header a client hints the router with; the router passes its classification on under it. */
export const REQUEST_TYPE_HEADER = 'x-modeswitch-type';

export interface GenerationContext {
  core: EngineCore;
  driver: LiveDriver;
  metrics: VllmMetrics;
  servedModel: string;
  /** LoRA adapters loaded beside the base model (`--lora-modules` names): requests may name them as `model`. */
  adapters: ReadonlySet<string>;
  maxModelLen: number;
  /** Seed for the next request's random stream (per engine, so a seed replays the same texts and lengths). */
  nextRequestSeed(): number;
  /** Wall time in whole seconds for `created` fields. */
  nowEpochSeconds(): number;
}

function hexId(random: () => number): string {
  let out = '';
  for (let i = 0; i < 32; i += 1) out += Math.floor(random() * 16).toString(16);
  return out;
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** Streams or collects one generation; the request body is already parsed JSON. */
export function handleGeneration(
  ctx: GenerationContext,
  kind: ApiKind,
  body: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const parsed: ParsedRequest = parseOpenAiRequest(kind, body, ctx.servedModel, ctx.maxModelLen, ctx.adapters);
  const typeHeader = req.headers[REQUEST_TYPE_HEADER];
  const requestType = isRequestType(typeHeader) ? typeHeader : 'chat';
  const engineSeed = ctx.nextRequestSeed();
  const random = createRng(parsed.seed === undefined ? engineSeed : parsed.seed >>> 0);
  const promptTokens = parsed.promptTokenIds.length;
  const natural = parsed.ignoreEos
    ? Number.POSITIVE_INFINITY
    : Math.max(parsed.minTokens, sampleOutputTokens(requestType, random));
  const who: ResponseIdentity = {
    id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${hexId(random)}`,
    created: ctx.nowEpochSeconds(),
    model: parsed.model,
  };
  const objectName = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const wantLogprobs = parsed.logprobs !== undefined;
  const alternatives = parsed.logprobs ?? 0;
  // The answer's text and logprobs start with what `echo` repeats (a completion's prompt has logprobs too).
  let text = parsed.echo?.text ?? '';
  const steps: TokenLogprob[] =
    wantLogprobs && parsed.echo?.promptTokens ? promptLogprobs(parsed.echo.promptTokens, alternatives, random) : [];
  /** Text and logprobs of tokens generated but not yet streamed: the last piece waits to carry the finish reason. */
  let pending: { text: string; steps: TokenLogprob[]; offset: number } | undefined;
  let streamedText = 0;
  let lastTokenTime = 0;
  let finished = false;

  const logprobsOf = (pieceSteps: readonly TokenLogprob[], offset: number): object | null => {
    if (!wantLogprobs) return null;
    return kind === 'chat'
      ? chatLogprobs(pieceSteps, alternatives)
      : completionLogprobs(pieceSteps, alternatives, offset);
  };
  const chunk = (piece: NonNullable<typeof pending>, finish: 'stop' | 'length' | null): object =>
    kind === 'chat'
      ? chatChunk(
          who,
          finish === null || piece.text !== '' ? { content: piece.text } : {},
          finish,
          piece.steps.length > 0 ? logprobsOf(piece.steps, piece.offset) : null,
        )
      : completionChunk(who, piece.text, finish, logprobsOf(piece.steps, piece.offset));

  const onEvent = (event: CoreEvent): void => {
    if (event.type === 'tokens') {
      if (!event.first) ctx.metrics.observeInterToken(event.time - lastTokenTime);
      lastTokenTime = event.time;
      const tokens = syntheticTokens(event.count, random);
      const pieceSteps = wantLogprobs ? sampleLogprobs(tokens, alternatives, random) : [];
      // The first streamed piece carries what echo repeats, as vLLM's first chunk does.
      const piece = {
        text: (event.first ? text : '') + tokens.join(''),
        steps: event.first ? [...steps, ...pieceSteps] : pieceSteps,
        offset: streamedText,
      };
      streamedText += piece.text.length;
      text += tokens.join('');
      steps.push(...pieceSteps);
      if (!parsed.stream) return;
      if (event.first) {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        if (kind === 'chat') res.write(sse(chatChunk(who, { role: 'assistant', content: '' }, null)));
      }
      if (pending !== undefined) res.write(sse(chunk(pending, null)));
      pending = piece;
      return;
    }
    if (event.type !== 'done') return;
    finished = true;
    const r = event.result;
    ctx.metrics.observeFinished(r, {
      n: 1,
      ...(parsed.maxTokens !== undefined ? { maxTokens: parsed.maxTokens } : {}),
    });
    if (r.finishReason === 'abort') {
      if (!res.writableEnded) res.destroy();
      return;
    }
    const usage = usageOf(promptTokens, r.outputTokens);
    if (!parsed.stream) {
      const answer = { text, finish: r.finishReason, usage, logprobs: logprobsOf(steps, 0) };
      writeJson(res, 200, kind === 'chat' ? chatBody(who, answer) : completionBody(who, answer));
      return;
    }
    res.write(sse(chunk(pending ?? { text: '', steps: [], offset: streamedText }, r.finishReason)));
    if (parsed.includeUsage) res.write(sse(usageChunk(who, objectName, usage)));
    res.end(sse('[DONE]'));
  };

  ctx.driver.sync();
  const coreRequest = {
    id: who.id,
    promptTokens,
    outputTokens: natural,
    maxTokens: parsed.maxTokens ?? ctx.maxModelLen - promptTokens,
    requestType,
    // Unset, vLLM samples at the checkpoint's generation_config temperature (0.6 for Llama 3.1 Instruct), not OpenAI's 1.
    temperature: parsed.temperature ?? ctx.core.model.generationTemperature,
    ...(parsed.adapter !== undefined ? { adapter: parsed.adapter } : {}),
    ...(ctx.core.mode.prefixCaching ? { blockHashes: kvBlockHashes(parsed.promptTokenIds, parsed.adapter) } : {}),
  };
  ctx.core.submit(coreRequest, onEvent);
  // A client that goes away aborts its request in the scheduler, freeing its batch slot and KV blocks.
  res.on('close', () => {
    if (!finished) {
      ctx.driver.sync();
      ctx.core.abort(who.id);
      ctx.driver.schedule();
    }
  });
  ctx.driver.schedule();
}

export { writeJson };
