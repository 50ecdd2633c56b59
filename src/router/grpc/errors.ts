import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { InvalidRequestError } from '../classify/normalized-request.js';
import type { Routed } from '../core/router-core.js';
import { explain } from '../decide/decide.js';
import { NoModeAvailableError } from '../forward/open-upstream.js';
import { REQUEST_ID_HEADER } from '../http/handle-generation.js';

interface Tagged {
  grpcCode?: status;
  http?: number;
}

function codeOf(err: unknown): status {
  if (err instanceof InvalidRequestError) return err.kind === 'model_not_found' ? status.NOT_FOUND : status.INVALID_ARGUMENT;
  if (err instanceof NoModeAvailableError) return status.UNAVAILABLE;
  return (err as Tagged).grpcCode ?? status.UNAVAILABLE;
}

const HTTP_OF: Partial<Record<status, number>> = { [status.INVALID_ARGUMENT]: 400, [status.NOT_FOUND]: 404, [status.UNAVAILABLE]: 503 };

/** The HTTP-style code a failed call is counted under in modeswitch_requests_total. */
export function httpCodeOf(err: unknown): number {
  return (err as Tagged).http ?? HTTP_OF[codeOf(err)] ?? 500;
}

/** A gRPC status for a failed call, with the request id (and, when routed, the decision) in trailers. */
export function grpcError(err: unknown, requestId: string, routed?: Routed): ServiceError {
  const metadata = new Metadata();
  metadata.set(REQUEST_ID_HEADER, requestId);
  const message = err instanceof NoModeAvailableError ? `no mode can serve this request now: ${explain(err.routed.decision)}` : (err as Error).message;
  if (routed?.decision.mode) metadata.set('x-modeswitch-mode', routed.decision.mode);
  return Object.assign(new Error(message), { code: codeOf(err), details: message, metadata });
}
