import { status } from '@grpc/grpc-js';
import type { ErrorCode } from './router-error.js';

/** gRPC status of each error code (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GRPC_STATUS: Record<ErrorCode, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  model_not_found: status.NOT_FOUND,
  too_large: status.RESOURCE_EXHAUSTED,
  request_timeout: status.DEADLINE_EXCEEDED,
  overloaded: status.RESOURCE_EXHAUSTED,
  client_over_budget: status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  engine_refused: status.INVALID_ARGUMENT,
  upstream_failed: status.UNAVAILABLE,
  upstream_timeout: status.DEADLINE_EXCEEDED,
  cancelled: status.CANCELLED,
  internal: status.INTERNAL,
};
