import { Metadata } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { GRPC_STATUS } from '../../protocol/grpc-status.js';
import { MODE_HEADER, REQUEST_ID_HEADER } from '../../protocol/headers.js';
import type { RouterError } from '../../protocol/router-error.js';

/** A gRPC status for a failed call, with the request id (and, when routed, the mode) in trailers. */
export function grpcError(err: RouterError, requestId: string): ServiceError {
  const metadata = new Metadata();
  metadata.set(REQUEST_ID_HEADER, requestId);
  const mode = err.routed?.decision.mode;
  if (mode) metadata.set(MODE_HEADER, mode);
  return Object.assign(new Error(err.message), { code: GRPC_STATUS[err.code], details: err.message, metadata });
}
