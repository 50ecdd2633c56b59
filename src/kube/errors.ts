import { ApiException } from '@kubernetes/client-node';
import { KubeApiError } from './types.js';

interface StatusBody {
  message?: string;
  reason?: string;
}

function parseBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return (body ?? {}) as StatusBody;
}

/** Turns client-node's errors (ApiException, fetch failures) into KubeApiError with the API server's message. */
export function toKubeApiError(err: unknown, what: string): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (err instanceof ApiException) {
    const body = parseBody(err.body);
    return new KubeApiError(`${what}: ${body.message ?? `HTTP ${err.code}`}`, err.code, body.reason);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new KubeApiError(`${what}: ${message}`, 0);
}
