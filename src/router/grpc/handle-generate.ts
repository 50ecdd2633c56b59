import { Metadata, status } from '@grpc/grpc-js';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { GenerateResponseSchema } from '../../gen/modeswitch/v1/router_pb.js';
import type { GenerateRequest, GenerateResponse } from '../../gen/modeswitch/v1/router_pb.js';
import { recordOutcome } from '../accounting/record-outcome.js';
import type { FrontContext } from '../core/request-context.js';
import type { Routed } from '../core/router-core.js';
import { timedRoute } from '../core/timed-route.js';
import { Cancellation } from '../forward/cancellation.js';
import { openUpstream } from '../forward/open-upstream.js';
import type { OpenUpstream } from '../forward/open-upstream.js';
import { eventData, SseSplitter, usageOf } from '../forward/sse.js';
import type { Usage } from '../forward/sse.js';
import { MODE_HEADER, REQUEST_ID_HEADER, RULE_HEADER } from '../http/handle-generation.js';
import { requestIdOf } from '../http/request-id.js';
import { grpcError, httpCodeOf } from './errors.js';
import { decisionMessage } from './messages.js';
import { normalizeGrpcRequest } from './normalize.js';

type Call = ServerWritableStream<GenerateRequest, GenerateResponse>;

interface Progress {
  routed?: Routed;
  firstByteAt?: number;
  usage?: Usage;
  finishReason: string;
}

const PATHS = { chat: '/v1/chat/completions', completion: '/v1/completions' } as const;

/** Generate: one Decision event, the text deltas as the engine streams them, then Finish with usage. */
export function handleGenerate(ctx: FrontContext): (call: Call) => void {
  return (call) => {
    ctx.inFlight.add();
    void serve(ctx, call).finally(() => ctx.inFlight.done());
  };
}

async function serve(ctx: FrontContext, call: Call): Promise<void> {
  const startedAt = ctx.now();
  const requestId = requestIdOf(call.metadata.get(REQUEST_ID_HEADER)[0]?.toString());
  const progress: Progress = { finishReason: '' };
  const abort = new Cancellation();
  call.on('cancelled', () => abort.abort());
  const policy = ctx.core.policy;
  let code = 200;
  try {
    if (!policy) throw new Error('the router has no policy loaded yet');
    const req = normalizeGrpcRequest(call.request, call.metadata, policy.resolved.model);
    const { first, route } = timedRoute(ctx, req);
    progress.routed = first;
    const up = await openUpstream({ path: PATHS[req.kind], body: JSON.stringify(req.body), requestId, signal: abort, route, whole: false }, ctx.upstream);
    progress.routed = up.routed;
    try {
      await relay(ctx, call, up, requestId, progress);
    } finally {
      up.close();
    }
    call.end();
  } catch (err) {
    code = abort.aborted ? 499 : httpCodeOf(err);
    if (!abort.aborted) call.emit('error', grpcError(err, requestId, progress.routed));
  } finally {
    const endedAt = ctx.now();
    recordOutcome(ctx.metrics, { routed: progress.routed, policy: policy?.name ?? 'none', code, startedAt, firstByteAt: progress.firstByteAt, endedAt, usage: progress.usage });
    const d = progress.routed?.decision;
    // Checked first: building the log entry costs more than routing when the level filters it out anyway.
    if (ctx.logger.isInfoEnabled()) ctx.logger.info('request', { requestId, api: 'grpc', code, mode: d?.mode, rule: d?.rule, fallbacks: d?.fallbacks.length, ms: endedAt - startedAt });
  }
}

async function relay(ctx: FrontContext, call: Call, up: OpenUpstream, requestId: string, progress: Progress): Promise<void> {
  const d = up.routed.decision;
  if (up.statusCode !== 200) {
    let text = up.first.toString('utf8');
    for (let c = await up.rest.next(); !c.done; c = await up.rest.next()) text += c.value.toString('utf8');
    throw Object.assign(new Error(`the engine refused the request (${up.statusCode}): ${text.slice(0, 500)}`), { grpcCode: up.statusCode < 500 ? status.INVALID_ARGUMENT : status.UNAVAILABLE });
  }
  const md = new Metadata();
  md.set(MODE_HEADER, d.mode as string);
  md.set(RULE_HEADER, d.rule);
  md.set(REQUEST_ID_HEADER, requestId);
  call.sendMetadata(md);
  call.write(create(GenerateResponseSchema, { event: { case: 'decision', value: decisionMessage(d, requestId) } }));
  progress.firstByteAt = ctx.now();
  const splitter = new SseSplitter();
  const pass = (events: string[]) => {
    for (const e of events) {
      const data = eventData(e);
      if (!data || data === 'done') continue;
      const usage = usageOf(data);
      if (usage) progress.usage = usage;
      const choice = (data['choices'] as Array<{ text?: string; delta?: { content?: string }; finish_reason?: string | null }> | undefined)?.[0];
      if (!choice) continue;
      const text = choice.delta?.content ?? choice.text ?? '';
      if (text) call.write(create(GenerateResponseSchema, { event: { case: 'delta', value: { text } } }));
      if (choice.finish_reason) progress.finishReason = choice.finish_reason;
    }
  };
  pass(splitter.push(up.first));
  try {
    for (let c = await up.rest.next(); !c.done; c = await up.rest.next()) pass(splitter.push(c.value));
  } catch (err) {
    throw Object.assign(new Error(`the engine stream broke after the answer started: ${(err as Error).message}`), { grpcCode: status.UNAVAILABLE, http: 502 });
  }
  pass(splitter.push(Buffer.from('\n\n')));
  const usage = progress.usage;
  call.write(
    create(GenerateResponseSchema, {
      event: { case: 'finish', value: { finishReason: progress.finishReason, usage: usage ? { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens } : undefined } },
    }),
  );
}
