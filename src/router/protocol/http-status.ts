import type { ErrorCode, RouterError } from './router-error.js';

/** HTTP status of each error code; engine refusals keep the engine's own status. */
const STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
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
  model_not_found: 'model_not_found',
  too_large: 'request_too_large',
  request_timeout: 'request_timeout',
  client_over_budget: 'rate_limit_exceeded',
};

export function httpStatusOf(err: RouterError): number {
  return err.refusal?.status ?? STATUS[err.code];
}

export function openAiErrorOf(err: RouterError): {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
} {
  return {
    message: err.message,
    type: OPENAI_TYPE[err.code],
    param: err.param ?? null,
    code: OPENAI_CODE[err.code] ?? null,
  };
}
