import { create } from '@bufbuild/protobuf';
import { credentials } from '@grpc/grpc-js';
import { GenerateRequestSchema } from '../../../src/gen/modeswitch/v1/router_pb.js';
import { routerClient } from '../../../src/router/front/grpc/client.js';
import { MODEL, testPolicy } from '../support/harness.js';
import { closedAfterEachTest } from '../support/stand-in-engine.js';

const started = closedAfterEachTest();
const engine = started.engine;

const complete = (base: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: MODEL, prompt: 'hi', max_tokens: 4, ...body }),
  });

const answerAfter =
  (ms: number, status = 200) =>
  (_req: unknown, res: import('node:http').ServerResponse) =>
    void setTimeout(
      () => res.writeHead(status, { 'content-type': 'application/json' }).end('{"choices":[{"text":"ok"}]}'),
      ms,
    );

describe('the request path', () => {
  it('passes the request id and the classified request type on to the engine', async () => {
    const e = await engine();
    const r = await started.router(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: [e] });
    expect((await complete(r.http, {}, { 'x-request-id': 'req-1' })).status).toBe(200);
    expect(e.calls[0]?.headers['x-request-id']).toBe('req-1');
    expect(e.calls[0]?.headers['x-modeswitch-type']).toBe('chat');
  });

  it('waits for a long non-streamed generation instead of cutting it at the first-byte timeout and re-running it', async () => {
    const slow = await engine(answerAfter(400));
    const spare = await engine();
    const r = await started.router(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: [slow, spare] },
      { upstream: { firstByteTimeoutMs: 100 } },
    );
    expect((await complete(r.http)).status).toBe(200);
    expect([slow.calls.length, spare.calls.length]).toEqual([1, 0]);
  });

  it('answers 504 without trying another pod when a whole answer takes longer than allowed', async () => {
    const stuck = await engine(answerAfter(4000));
    const spare = await engine();
    const r = await started.router(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: [stuck, spare] },
      { upstream: { generationTimeoutMs: 200 } },
    );
    expect((await complete(r.http)).status).toBe(504);
    expect(spare.calls).toHaveLength(0);
  });

  it('answers 502 once every pod failed, naming no internal address or pod', async () => {
    const a = await engine(answerAfter(0, 500));
    const b = await engine(answerAfter(0, 503));
    const r = await started.router(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: [a, b] });
    const res = await complete(r.http);
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).toMatch(/2 engine attempt\(s\) failed/);
    expect(text).not.toMatch(/127\.0\.0\.1|fp8-\d/);
    expect([a.calls.length, b.calls.length]).toEqual([1, 1]);
  });

  it('keeps the policy snapshot of a request through its retries, even when the policy changes meanwhile', async () => {
    const failingSlowly = await engine(answerAfter(300, 500));
    const sameMode = await engine();
    const otherMode = await engine();
    const before = testPolicy({ defaultMode: 'a' }, ['a', 'b']);
    const r = await started.router(before, { a: [failingSlowly, sameMode], b: [otherMode] });
    const pending = complete(r.http);
    await new Promise((resolve) => setTimeout(resolve, 100));
    r.setPolicy({ ...testPolicy({ defaultMode: 'b' }, ['a', 'b']), metadata: { ...before.metadata, generation: 2 } });
    const res = await pending;
    expect([res.status, res.headers.get('x-modeswitch-mode')]).toEqual([200, 'a']);
    expect(otherMode.calls).toHaveLength(0);
  });

  it('answers 503 with the same message on HTTP and gRPC when no mode has a pod', async () => {
    const r = await started.router(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: [] });
    const res = await complete(r.http);
    const http = ((await res.json()) as { error: { message: string } }).error.message;
    const client = routerClient(r.grpcTarget, credentials.createInsecure());
    const grpc = await new Promise<string>((resolve) => {
      const call = client.generate(create(GenerateRequestSchema, { prompt: 'hi' }));
      call.on('data', () => undefined);
      call.on('error', (e: { details: string }) => resolve(e.details));
      call.on('end', () => resolve('ok'));
    });
    client.close();
    expect(res.status).toBe(503);
    expect(grpc).toBe(http);
  });
});

describe('a paused gRPC reader', () => {
  it('stops the router reading from the engine instead of buffering the answer (bound: 8 MB of a 64 MB answer)', async () => {
    const chunk = `data: ${JSON.stringify({ choices: [{ text: 'x'.repeat(4000) }] })}\n\n`;
    const total = 64 * 1024 * 1024;
    let written = 0;
    const flood = await engine((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('data: [DONE]\n\n');
      };
      pump();
    });
    const r = await started.router(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: [flood] });
    const client = routerClient(r.grpcTarget, credentials.createInsecure());
    const call = client.generate(create(GenerateRequestSchema, { prompt: 'hi' }));
    call.on('error', () => undefined);
    await new Promise((resolve) => call.once('data', resolve));
    call.pause();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const writtenWhilePaused = written;
    call.cancel();
    client.close();
    expect(writtenWhilePaused).toBeLessThan(8 * 1024 * 1024);
  });
});
