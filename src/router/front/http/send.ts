import type { ServerResponse } from 'node:http';

/** Writes a JSON answer. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** An error in OpenAI's shape, which OpenAI client libraries turn into a readable exception. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  opts: { type?: string; headers?: Record<string, string> } = {},
): void {
  sendJson(
    res,
    status,
    { error: { message, type: opts.type ?? 'invalid_request_error', param: null, code: null } },
    opts.headers,
  );
}
