import { create } from '@bufbuild/protobuf';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { ClassifyResponseSchema, GenerateRequestSchema } from '../../../gen/modeswitch/v1/router_pb.js';
import type { ClassifyRequest, ClassifyResponse } from '../../../gen/modeswitch/v1/router_pb.js';
import { authenticate, trusts, usesHintsOf } from '../../auth/caller.js';
import { applyHintTrust } from '../../classify/hints.js';
import { REQUEST_ID_HEADER } from '../../protocol/headers.js';
import { requestIdOf } from '../../protocol/request-id.js';
import { RouterError } from '../../protocol/router-error.js';
import type { ServeContext } from '../../serve/serve-context.js';
import { grpcError } from './errors.js';
import { decisionMessage, featuresMessage } from './messages.js';
import { authorizationOf, normalizeGrpcRequest } from './normalize.js';

/**
 * Classify: the features and the decision, explained, without generating anything. Pod names only when exposed;
 * refused (PERMISSION_DENIED) to a client key the policy does not trust.
 */
export function handleClassify(ctx: ServeContext) {
  return (
    call: ServerUnaryCall<ClassifyRequest, ClassifyResponse>,
    callback: sendUnaryData<ClassifyResponse>,
  ): void => {
    const requestId = requestIdOf(call.metadata.get(REQUEST_ID_HEADER)[0]?.toString());
    try {
      const policy = ctx.core.policy;
      if (!policy)
        throw new RouterError('unavailable', 'the router has no policy loaded yet', { retryAfterSeconds: 1 });
      // Classify shows the policy's rules, fallback chain and guards at work: only for clients the policy trusts.
      const caller = authenticate(ctx.clientKeys, authorizationOf(call.metadata));
      if (!trusts(policy.resolved, caller))
        throw new RouterError('permission_denied', 'Classify is only for clients the policy trusts');
      const req = applyHintTrust(
        normalizeGrpcRequest(
          call.request.request ?? create(GenerateRequestSchema),
          call.metadata,
          policy.resolved.model,
        ),
        usesHintsOf(policy.resolved, caller),
      );
      const routed = ctx.core.dryRun(policy, req);
      callback(
        null,
        create(ClassifyResponseSchema, {
          features: featuresMessage(routed.features),
          decision: decisionMessage(routed.decision, requestId, ctx.exposeInternals),
        }),
      );
    } catch (err) {
      callback(
        grpcError(
          err instanceof RouterError ? err : new RouterError('internal', 'the router failed to classify the request'),
          requestId,
        ),
      );
    }
  };
}
