import { create } from '@bufbuild/protobuf';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { ClassifyRequestSchema, GenerateRequestSchema } from '../../src/gen/modeswitch/v1/router_pb.js';
import type { ClassifyResponse, GenerateResponse } from '../../src/gen/modeswitch/v1/router_pb.js';
import { routerClient } from '../../src/router/front/grpc/client.js';
import type { RouterClient } from '../../src/router/front/grpc/client.js';
import { MODEL, testPolicy } from './support/harness.js';
import { closedAfterEachTest, type RouterOver } from './support/stand-in-engine.js';

const fleet = closedAfterEachTest();
const engine = () => fleet.engine();
let r: RouterOver | undefined;
let client: RouterClient | undefined;

const complete = (base: string, headers: Record<string, string> = {}, body: Record<string, unknown> = {}) =>
  fetch(`${base}/v1/${body['messages'] ? 'chat/' : ''}completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: MODEL, prompt: 'hello there', max_tokens: 2, ...body }),
  });

function classify(c: RouterClient): Promise<ClassifyResponse> {
  return new Promise((resolve, reject) =>
    c.classify(create(ClassifyRequestSchema, { request: { prompt: 'hello' } }), new Metadata(), (err, res) =>
      err ? reject(err) : resolve(res as ClassifyResponse),
    ),
  );
}

function generateError(
  c: RouterClient,
  req: Parameters<typeof create<typeof GenerateRequestSchema>>[1],
  md = new Metadata(),
): Promise<ServiceError> {
  return new Promise((resolve, reject) => {
    const call = c.generate(create(GenerateRequestSchema, req), md);
    call.on('data', (_: GenerateResponse) => undefined);
    call.on('error', resolve);
    call.on('end', () => reject(new Error('the call succeeded')));
  });
}

describe('what a client sees of the inside', () => {
  it('names no internal address when an engine refuses connections', async () => {
    const e = await engine();
    r = await fleet.router(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: [e] });
    await fleet.closeEngines();
    const res = await complete(r.http);
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|fp8-0/);
  });

  it('leaves pod names out of Classify unless the router exposes internals', async () => {
    const e = await engine();
    r = await fleet.router(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: [e] });
    client = fleet.closing(routerClient(r.grpcTarget, credentials.createInsecure()));
    const hidden = await classify(client);
    expect(hidden.decision?.pod).toBe('');
    expect(hidden.decision?.reason).not.toMatch(/fp8-0/);
    client.close();
    await r.close();
    r = await fleet.router(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: [e] }, { exposeInternals: true });
    client = fleet.closing(routerClient(r.grpcTarget, credentials.createInsecure()));
    expect((await classify(client)).decision?.pod).toBe('fp8-0');
  });
});

describe('trust in client headers', () => {
  const rules = [{ name: 'code', when: "request.type == 'code'", mode: 'a' }];

  it('uses the hint headers when the policy trusts clients, and ignores them when it says so', async () => {
    const [a, b] = [await engine(), await engine()];
    r = await fleet.router(testPolicy({ defaultMode: 'b', rules }, ['a', 'b']), { a: [a], b: [b] });
    expect((await complete(r.http, { 'x-modeswitch-type': 'code' })).headers.get('x-modeswitch-mode')).toBe('a');
    await r.close();
    r = await fleet.router(testPolicy({ defaultMode: 'b', rules, clientHints: 'Ignore' }, ['a', 'b']), {
      a: [a],
      b: [b],
    });
    expect((await complete(r.http, { 'x-modeswitch-type': 'code' })).headers.get('x-modeswitch-mode')).toBe('b');
  });

  it("sends the engines the router's API key, never the client's Authorization", async () => {
    const e = await engine();
    r = await fleet.router(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: [e] }, { upstreamApiKey: 'engine-key' });
    expect((await complete(r.http, { authorization: 'Bearer client-key' })).status).toBe(200);
    expect(e.calls[0]?.headers['authorization']).toBe('Bearer engine-key');
  });
});

describe('the same validation on gRPC as on HTTP', () => {
  it('refuses a chat role and hint numbers that HTTP refuses', async () => {
    const e = await engine();
    r = await fleet.router(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: [e] });
    client = fleet.closing(routerClient(r.grpcTarget, credentials.createInsecure()));
    const http = await complete(r.http, {}, { prompt: undefined, messages: [{ role: 'robot', content: 'x' }] });
    expect(http.status).toBe(400);
    expect((await generateError(client, { messages: [{ role: 'robot', content: 'x' }] })).code).toBe(
      status.INVALID_ARGUMENT,
    );
    const md = new Metadata();
    md.set('x-modeswitch-priority', '0x10');
    expect((await generateError(client, { prompt: 'x' }, md)).code).toBe(status.INVALID_ARGUMENT);
  });
});
