/** Error body in the shape vLLM's OpenAI server returns. */
export interface OpenAiErrorBody {
  object: 'error';
  message: string;
  type: string;
  param: string | null;
  code: number;
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
  ) {
    super(message);
  }

  body(): OpenAiErrorBody {
    return {
      object: 'error',
      message: this.message,
      type: TYPES[this.status] ?? 'Error',
      param: null,
      code: this.status,
    };
  }
}

export const badRequest = (message: string): OpenAiError => new OpenAiError(400, message);
