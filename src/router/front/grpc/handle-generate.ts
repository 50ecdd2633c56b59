import { Cancellation } from '../../forward/cancellation.js';
import { REQUEST_ID_HEADER } from '../../protocol/headers.js';
import { requestIdOf } from '../../protocol/request-id.js';
import { serveGeneration } from '../../serve/serve-generation.js';
import type { ServeContext } from '../../serve/serve-context.js';
import { grpcSink } from './grpc-sink.js';
import type { GenerateCall } from './grpc-sink.js';
import { authorizationOf, normalizeGrpcRequest } from './normalize.js';

/** Generate: translates the call to and from the request path. */
export function handleGenerate(ctx: ServeContext): (call: GenerateCall) => void {
  return (call) => {
    const requestId = requestIdOf(call.metadata.get(REQUEST_ID_HEADER)[0]?.toString());
    const client = new Cancellation();
    call.on('cancelled', () => client.abort('client'));
    const read = (policy: { resolved: { model: string } }) =>
      normalizeGrpcRequest(call.request, call.metadata, policy.resolved.model);
    void serveGeneration(
      ctx,
      ctx.core.policy,
      { api: 'grpc', requestId, authorization: authorizationOf(call.metadata), client, read },
      grpcSink(call, requestId, ctx.exposeInternals),
    );
  };
}
