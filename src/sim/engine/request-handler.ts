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
import { kvBlockHashes } from './tokens.js';
import { syntheticText } from './synthetic-text.js';
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
  const random = createRng(ctx.nextRequestSeed());
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
  let text = '';
  let pending: string | undefined;
  let lastTokenTime = 0;
  let finished = false;

  const chunk = (piece: string, finish: 'stop' | 'length' | null): object =>
    kind === 'chat'
      ? chatChunk(who, finish === null || piece !== '' ? { content: piece } : {}, finish)
      : completionChunk(who, piece, finish);

  const onEvent = (event: CoreEvent): void => {
    if (event.type === 'tokens') {
      if (!event.first) ctx.metrics.observeInterToken(event.time - lastTokenTime);
      lastTokenTime = event.time;
      const piece = syntheticText(event.count, random);
      text += piece;
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
    ctx.metrics.observeFinished(r);
    if (r.finishReason === 'abort') {
      if (!res.writableEnded) res.destroy();
      return;
    }
    const usage = usageOf(promptTokens, r.outputTokens);
    if (!parsed.stream) {
      writeJson(
        res,
        200,
        kind === 'chat' ? chatBody(who, text, r.finishReason, usage) : completionBody(who, text, r.finishReason, usage),
      );
      return;
    }
    res.write(sse(chunk(pending ?? '', r.finishReason)));
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
