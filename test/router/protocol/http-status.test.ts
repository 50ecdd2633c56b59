import { httpStatusOf, openAiErrorOf } from '../../../src/router/protocol/http-status.js';
import { RouterError } from '../../../src/router/protocol/router-error.js';

const refused = (status: number, body: string) =>
  new RouterError('engine_refused', `the engine refused the request (${status})`, {
    refusal: { status, contentType: 'application/json', body: Buffer.from(body) },
  });

describe("engine errors in the router's OpenAI error shape", () => {
  it("translates vLLM 0.33's nested form and the flat form of older releases alike, keeping the status", () => {
    const nested = refused(
      400,
      '{"error":{"message":"bad top_logprobs","type":"BadRequestError","param":"top_logprobs","code":400}}',
    );
    const flat = refused(
      400,
      '{"object":"error","message":"bad top_logprobs","type":"BadRequestError","param":"top_logprobs","code":400}',
    );
    for (const err of [nested, flat]) {
      expect(httpStatusOf(err)).toBe(400);
      expect(openAiErrorOf(err)).toEqual({
        message: 'bad top_logprobs',
        type: 'invalid_request_error',
        param: 'top_logprobs',
        code: null,
      });
    }
  });

  it("keeps a 404's status with the router's not-found type, and a body that is not JSON as the message", () => {
    const missing = refused(
      404,
      '{"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}}',
    );
    expect([httpStatusOf(missing), openAiErrorOf(missing).type]).toEqual([404, 'invalid_request_error']);
    const text = refused(422, 'Unprocessable Entity');
    expect([httpStatusOf(text), openAiErrorOf(text).message]).toEqual([422, 'Unprocessable Entity']);
    const fastapi = refused(405, '{"detail":"Method Not Allowed"}');
    expect(openAiErrorOf(fastapi).message).toBe('Method Not Allowed');
  });
});
