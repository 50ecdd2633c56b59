/**
 * Error body in the shape vLLM 0.33's OpenAI server returns (vllm/entrypoints/serve/engine/protocol.py ErrorResponse):
 * OpenAI's `{"error": {...}}`, with the HTTP status as an integer `code`. (Releases before 0.10 answered the same fields
 * flat, with `"object": "error"`.)
 */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: number };
}

const TYPES: Readonly<Record<number, string>> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  405: 'MethodNotAllowed',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The request parameter at fault, as vLLM's VLLMValidationError names it. */
    readonly param: string | null = null,
  ) {
    super(message);
  }

  body(): OpenAiErrorBody {
    return {
      error: { message: this.message, type: TYPES[this.status] ?? 'Error', param: this.param, code: this.status },
    };
  }
}

export const badRequest = (message: string, param: string | null = null): OpenAiError =>
  new OpenAiError(400, message, param);
