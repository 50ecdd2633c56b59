import type { ErrorCode, RouterError } from './router-error.js';

/** HTTP status of each error code; engine refusals keep the engine's own status. */
const STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  model_not_found: 404,
  too_large: 413,
  request_timeout: 408,
  overloaded: 503,
  client_over_budget: 429,
  unavailable: 503,
  engine_refused: 400,
  upstream_failed: 502,
  upstream_timeout: 504,
  // nginx's "client closed request": never sent, only counted.
  cancelled: 499,
  internal: 500,
};

/** OpenAI's error `type` for each code, which OpenAI client libraries turn into their exception classes. */
const OPENAI_TYPE: Record<ErrorCode, string> = {
  invalid_argument: 'invalid_request_error',
  unauthenticated: 'authentication_error',
  permission_denied: 'permission_error',
  model_not_found: 'invalid_request_error',
  too_large: 'invalid_request_error',
  request_timeout: 'invalid_request_error',
  overloaded: 'service_unavailable',
  client_over_budget: 'rate_limit_error',
  unavailable: 'service_unavailable',
  engine_refused: 'invalid_request_error',
  upstream_failed: 'upstream_error',
  upstream_timeout: 'upstream_error',
  cancelled: 'cancelled',
  internal: 'internal_error',
};

/** OpenAI's error `code` where it names one. */
const OPENAI_CODE: Partial<Record<ErrorCode, string>> = {
  unauthenticated: 'invalid_api_key',
  model_not_found: 'model_not_found',
  too_large: 'request_too_large',
  request_timeout: 'request_timeout',
  client_over_budget: 'rate_limit_exceeded',
};

export function httpStatusOf(err: RouterError): number {
  return err.refusal?.status ?? STATUS[err.code];
}

/** OpenAI's error object, the one shape of every error the router answers over HTTP. */
export interface OpenAiErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

const asString = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * An engine's own error answer in the router's shape: vLLM answers `{"error": {...}}` with its HTTP status as `code`
 * (0.10 and later) or the same fields flat with `"object": "error"` (earlier); its message and param are kept, the
 * type follows the status as the router's own errors do, and a number `code` (the status again) is dropped.
 */
function engineErrorOf(status: number, body: Buffer): OpenAiErrorObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const outer = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  const inner =
    outer['error'] && typeof outer['error'] === 'object' ? (outer['error'] as Record<string, unknown>) : outer;
  const text = body.toString('utf8').slice(0, 500);
  return {
    message: asString(inner['message']) ?? asString(inner['detail']) ?? (text || `the engine answered ${status}`),
    type:
      status === 404
        ? OPENAI_TYPE.model_not_found
        : status >= 500
          ? OPENAI_TYPE.upstream_failed
          : OPENAI_TYPE.engine_refused,
    param: asString(inner['param']),
    code: asString(inner['code']),
  };
}

export function openAiErrorOf(err: RouterError): OpenAiErrorObject {
  if (err.refusal) return engineErrorOf(err.refusal.status, err.refusal.body);
  return {
    message: err.message,
    type: OPENAI_TYPE[err.code],
    param: err.param ?? null,
    code: OPENAI_CODE[err.code] ?? null,
  };
}
