import { status } from '@grpc/grpc-js';
import { MODEL, testPolicy } from '../../support/harness.js';
import { closedAfterEachTest } from '../../support/stand-in-engine.js';
import {
  ExtProcStream,
  extProcClient,
  immediateOf,
  requestBody,
  requestHeaders,
} from '../../../support/envoy-ext-proc.js';

const fleet = closedAfterEachTest();
const POST = { ':method': 'POST', ':path': '/v1/completions', 'content-type': 'application/json' };
const BODY = JSON.stringify({ model: MODEL, prompt: 'x', max_tokens: 2 });

async function start(limits: Record<string, number>) {
  const r = await fleet.router(
    testPolicy({ defaultMode: 'fp8' }, ['fp8']),
    { fp8: [await fleet.engine()] },
    { listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0, extProcPort: 0 }, limits },
  );
  return { r, client: fleet.closing(extProcClient(r.extProcTarget!)) };
}

describe('ext_proc streams are bounded', () => {
  it('closes streams past the cap with RESOURCE_EXHAUSTED, and takes new ones once others end', async () => {
    const { client } = await start({ maxExtProcStreams: 3 });
    const held = [0, 1, 2].map(() => new ExtProcStream(client).send(requestHeaders(POST)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = new ExtProcStream(client).send(requestHeaders(POST));
    expect(await refused.closed).toBe(status.RESOURCE_EXHAUSTED);
    const first = held[0]!;
    first.send(requestBody(BODY, true));
    await first.next(2);
    first.end();
    await first.closed;
    const later = new ExtProcStream(client).send(requestHeaders(POST), requestBody(BODY, true));
    expect((await later.next(2)).map((a) => a.response.case)).toEqual(['requestHeaders', 'requestBody']);
    for (const s of [...held.slice(1), later]) s.end();
  });

  it('answers a stream whose body stalls with 408 and ends it', async () => {
    const { client } = await start({ bodyTimeoutMs: 300 });
    const started = Date.now();
    const stalled = new ExtProcStream(client).send(requestHeaders(POST), requestBody('{"model":', false));
    const [answer] = await stalled.next(1, 3000);
    expect(immediateOf(answer!).status).toBe(408);
    expect(await stalled.closed).toBe(status.OK);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('answers a stream that never sends its headers with 408 too', async () => {
    const { client } = await start({ bodyTimeoutMs: 300 });
    const silent = new ExtProcStream(client);
    const [answer] = await silent.next(1, 3000);
    expect(immediateOf(answer!).status).toBe(408);
  });

  it('counts a request whose stream the data plane closes before the response as 499', async () => {
    const { r, client } = await start({});
    const s = new ExtProcStream(client).send(requestHeaders(POST), requestBody(BODY, true));
    await s.next(2);
    s.end();
    await s.closed;
    const deadline = Date.now() + 3000;
    let metrics = '';
    while (Date.now() < deadline && !/code="499"/.test(metrics)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      metrics = await r.metrics();
    }
    expect(metrics).toMatch(/modeswitch_requests_total\{[^}]*code="499"[^}]*\} 1/);
  });
});
