import { create } from '@bufbuild/protobuf';
import { Metadata } from '@grpc/grpc-js';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { GenerateResponseSchema } from '../../../gen/modeswitch/v1/router_pb.js';
import type { GenerateRequest, GenerateResponse } from '../../../gen/modeswitch/v1/router_pb.js';
import { ADAPTER_HEADER, MODE_HEADER, REQUEST_ID_HEADER, RULE_HEADER } from '../../protocol/headers.js';
import type { GenerationSink } from '../../serve/generation-sink.js';
import { whenWritable } from '../../serve/when-writable.js';
import { grpcError } from './errors.js';
import { decisionMessage } from './messages.js';

export type GenerateCall = ServerWritableStream<GenerateRequest, GenerateResponse>;

interface Choice {
  text?: string;
  delta?: { content?: string };
  finish_reason?: string | null;
}

/** The Generate stream of the request path: one Decision event, text deltas, then Finish with usage. */
export function grpcSink(call: GenerateCall, requestId: string, exposeInternals: boolean): GenerationSink {
  let finishReason = '';
  return {
    start(head) {
      const d = head.routed.decision;
      const md = new Metadata();
      md.set(MODE_HEADER, d.mode as string);
      md.set(RULE_HEADER, d.rule);
      if (d.adapter) md.set(ADAPTER_HEADER, d.adapter.upstreamModel);
      md.set(REQUEST_ID_HEADER, requestId);
      call.sendMetadata(md);
      call.write(
        create(GenerateResponseSchema, {
          event: { case: 'decision', value: decisionMessage(d, requestId, exposeInternals) },
        }),
      );
    },
    events(events) {
      let more = true;
      for (const e of events) {
        if (!e.data || e.data === 'done') continue;
        const choice = (e.data['choices'] as Choice[] | undefined)?.[0];
        if (!choice) continue;
        const text = choice.delta?.content ?? choice.text ?? '';
        if (text)
          more = call.write(create(GenerateResponseSchema, { event: { case: 'delta', value: { text } } })) && more;
        if (choice.finish_reason) finishReason = choice.finish_reason;
      }
      return more;
    },
    drained: () => whenWritable(call, call.destroyed || call.writableEnded, ['close', 'cancelled']),
    finish(end) {
      const usage = end.usage && { promptTokens: end.usage.promptTokens, completionTokens: end.usage.completionTokens };
      call.write(create(GenerateResponseSchema, { event: { case: 'finish', value: { finishReason, usage } } }));
      call.end();
    },
    fail(err) {
      call.emit('error', grpcError(err, requestId));
    },
  };
}
