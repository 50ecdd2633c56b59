import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import type { Routed } from '../../../src/router/core/router-core.js';
import { Cancellation } from '../../../src/router/forward/cancellation.js';
import { openUpstream } from '../../../src/router/forward/open-upstream.js';

describe('openUpstream', () => {
  it('passes the request id and the classified request type on to the engine', async () => {
    let seen: IncomingHttpHeaders | undefined;
    const engine = createServer((req, res) => {
      seen = req.headers;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[]}');
    });
    await new Promise<void>((r) => engine.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(engine.address() as AddressInfo).port}`;
    const routed = { features: { type: 'code' }, decision: { mode: 'fp8', rule: 'r', pod: { record: { url, inFlight: 0 } } } } as unknown as Routed;
    const dispatcher = new Agent();
    try {
      const up = await openUpstream(
        { path: '/v1/chat/completions', body: '{}', requestId: 'req-1', signal: new Cancellation(), route: () => routed, whole: true },
        { dispatcher, headersTimeoutMs: 1000, bodyTimeoutMs: 1000, maxAttempts: 1, ejectMs: 1000, eject: () => undefined },
      );
      up.close();
      expect(up.statusCode).toBe(200);
      expect(seen?.['x-request-id']).toBe('req-1');
      expect(seen?.['x-modeswitch-type']).toBe('code');
    } finally {
      await dispatcher.close();
      await new Promise((r) => engine.close(r));
    }
  });
});
