import { create } from '@bufbuild/protobuf';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { ClassifyResponseSchema, GenerateRequestSchema } from '../../gen/modeswitch/v1/router_pb.js';
import type { ClassifyRequest, ClassifyResponse } from '../../gen/modeswitch/v1/router_pb.js';
import type { FrontContext } from '../core/request-context.js';
import { REQUEST_ID_HEADER } from '../http/handle-generation.js';
import { requestIdOf } from '../http/request-id.js';
import { grpcError } from './errors.js';
import { decisionMessage, featuresMessage } from './messages.js';
import { normalizeGrpcRequest } from './normalize.js';

/** Classify: the features and the decision, explained, without generating anything. */
export function handleClassify(ctx: FrontContext) {
  return (call: ServerUnaryCall<ClassifyRequest, ClassifyResponse>, callback: sendUnaryData<ClassifyResponse>): void => {
    const requestId = requestIdOf(call.metadata.get(REQUEST_ID_HEADER)[0]?.toString());
    try {
      const policy = ctx.core.policy;
      if (!policy) throw new Error('the router has no policy loaded yet');
      const req = normalizeGrpcRequest(call.request.request ?? create(GenerateRequestSchema), call.metadata, policy.resolved.model);
      const routed = ctx.core.dryRun(req);
      callback(null, create(ClassifyResponseSchema, { features: featuresMessage(routed.features), decision: decisionMessage(routed.decision, requestId) }));
    } catch (err) {
      callback(grpcError(err, requestId));
    }
  };
}
