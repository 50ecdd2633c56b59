import { create } from '@bufbuild/protobuf';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { ClassifyRequestSchema, GenerateRequestSchema } from '../../../src/gen/modeswitch/v1/router_pb.js';
import type { ClassifyResponse, GenerateResponse } from '../../../src/gen/modeswitch/v1/router_pb.js';
import { resolvePolicy } from '../../../src/api/v1alpha1/defaults.js';
import { createLogger } from '../../../src/observability/logger.js';
import { routerConfig } from '../../../src/operator/render/router-config.js';
import { parseRouterConfig } from '../../../src/router/config/parse-router-config.js';
import { routerClient, type RouterClient } from '../../../src/router/front/grpc/client.js';
import {
  commonOf,
  extProcClient,
  ExtProcStream,
  immediateOf,
  requestBody,
  requestHeaders,
  setHeadersOf,
} from '../../support/envoy-ext-proc.js';
import { eventually } from '../../support/eventually.js';
import { freePort } from '../../packaging/support/free-port.js';
import { MODEL, testPolicy } from '../support/harness.js';
import { closedAfterEachTest, type RouterOver } from '../support/stand-in-engine.js';

// Keys as a Secret volume holds them: one file per client, the file name is the client's name.
const PLANNER_KEY = 'sk-planner-5d1c0e7b9a';
const WEB_KEY = 'sk-web-84f2a61c3e';
const ROTATED_WEB_KEY = 'sk-web-rotated-0b7d93';

const fleet = closedAfterEachTest();
let keysDir = '';
let logText = '';

beforeEach(() => {
  keysDir = mkdtempSync(join(tmpdir(), 'modeswitch-client-keys-'));
  writeFileSync(join(keysDir, 'batch-planner'), `${PLANNER_KEY}\n`);
  writeFileSync(join(keysDir, 'web'), WEB_KEY);
  logText = '';
});
afterEach(() => rmSync(keysDir, { recursive: true, force: true }));

/** A policy that sends `x-modeswitch-type: code` to mode a, anything else to b, trusting only the planner's key. */
function policy(): InferenceModePolicy {
  const p = testPolicy({ defaultMode: 'b', rules: [{ name: 'code', when: "request.type == 'code'", mode: 'a' }] }, [
    'a',
    'b',
  ]);
  p.spec.router = { clientAuth: { apiKeysSecret: 'client-keys', trustedKeys: ['batch-planner'] } };
  return p;
}

async function start(options: { extProcPort?: number; keysDir?: string } = {}): Promise<RouterOver> {
  const [a, b] = [await fleet.engine(), await fleet.engine()];
  const logs = new PassThrough();
  logs.on('data', (chunk: Buffer) => (logText += chunk.toString()));
  return fleet.router(
    policy(),
    { a: [a], b: [b] },
    {
      clientApiKeysDir: options.keysDir ?? keysDir,
      clientKeysReloadMs: 50,
      listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0, extProcPort: options.extProcPort },
      logger: createLogger('test', { level: 'debug', stream: logs }),
    },
  );
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const complete = (r: RouterOver, headers: Record<string, string>) =>
  fetch(`${r.http}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: MODEL, prompt: 'hello there', max_tokens: 2 }),
  });

function metadata(headers: Record<string, string>): Metadata {
  const md = new Metadata();
  for (const [k, v] of Object.entries(headers)) md.set(k, v);
  return md;
}

function classify(c: RouterClient, md: Metadata): Promise<ClassifyResponse> {
  return new Promise((resolve, reject) =>
    c.classify(create(ClassifyRequestSchema, { request: { prompt: 'hello' } }), md, (err, res) =>
      err ? reject(err) : resolve(res as ClassifyResponse),
    ),
  );
}

/** Generate to the end: the mode it was served in, or the error. */
function generate(c: RouterClient, md: Metadata): Promise<{ mode?: string; error?: ServiceError }> {
  return new Promise((resolve) => {
    const call = c.generate(create(GenerateRequestSchema, { prompt: 'hello', maxTokens: 2 }), md);
    let mode: string | undefined;
    call.on('metadata', (m: Metadata) => (mode = m.get('x-modeswitch-mode')[0]?.toString()));
    call.on('data', (_: GenerateResponse) => undefined);
    call.on('error', (error: ServiceError) => resolve({ error }));
    call.on('end', () => resolve({ mode }));
  });
}

describe('client API keys on HTTP', () => {
  it('refuses a request without a key or with an unknown one (401, WWW-Authenticate), and serves a known key', async () => {
    const r = await start();
    for (const headers of [{}, { authorization: 'Basic d2ViOnNlY3JldA==' }, bearer('sk-guessed')]) {
      const res = await complete(r, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
    }
    expect((await fetch(`${r.http}/v1/models`)).status).toBe(401);
    expect((await fetch(`${r.http}/v1/models`, { headers: bearer(WEB_KEY) })).status).toBe(200);
    expect((await complete(r, bearer(WEB_KEY))).status).toBe(200);
    // Health stays open: probes carry no key.
    expect((await fetch(`${r.http}/healthz`)).status).toBe(200);
  });

  it("uses a trusted client's hints and decides an untrusted client's request on the router's own estimates", async () => {
    const r = await start();
    const hinted = { 'x-modeswitch-type': 'code' };
    expect((await complete(r, { ...hinted, ...bearer(PLANNER_KEY) })).headers.get('x-modeswitch-mode')).toBe('a');
    expect((await complete(r, { ...hinted, ...bearer(WEB_KEY) })).headers.get('x-modeswitch-mode')).toBe('b');
  });

  it('takes a rotated key without a restart and stops taking the old one', async () => {
    const r = await start();
    expect((await complete(r, bearer(WEB_KEY))).status).toBe(200);
    // The kubelet swaps a Secret volume's files in place; a rewrite is the same to a reader.
    writeFileSync(join(keysDir, 'web'), ROTATED_WEB_KEY);
    await eventually(async () => expect((await complete(r, bearer(ROTATED_WEB_KEY))).status).toBe(200));
    expect((await complete(r, bearer(WEB_KEY))).status).toBe(401);
    // A client removed from the Secret is refused too.
    unlinkSync(join(keysDir, 'batch-planner'));
    await eventually(async () => expect((await complete(r, bearer(PLANNER_KEY))).status).toBe(401));
  });

  it('never writes a key to its log, refused or served', async () => {
    const r = await start();
    await complete(r, bearer('sk-guessed-but-secret'));
    await complete(r, bearer(WEB_KEY));
    await complete(r, bearer(PLANNER_KEY));
    expect(logText).toMatch(/client API keys loaded/);
    expect(logText).toMatch(/batch-planner/);
    for (const key of [PLANNER_KEY, WEB_KEY, 'sk-guessed-but-secret']) expect(logText).not.toContain(key);
  });
});

describe('client API keys on gRPC', () => {
  it('answers UNAUTHENTICATED without a key, Classify PERMISSION_DENIED to an untrusted key, and serves both keys', async () => {
    const r = await start();
    const c = fleet.closing(routerClient(r.grpcTarget, credentials.createInsecure()));
    expect((await generate(c, new Metadata())).error?.code).toBe(status.UNAUTHENTICATED);
    expect((await generate(c, metadata(bearer('sk-guessed')))).error?.code).toBe(status.UNAUTHENTICATED);
    await expect(classify(c, new Metadata())).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    // Classify would tell an untrusted client the rules and fallback chain the policy decides with.
    await expect(classify(c, metadata(bearer(WEB_KEY)))).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    const explained = await classify(c, metadata({ ...bearer(PLANNER_KEY), 'x-modeswitch-type': 'code' }));
    expect(explained.decision?.mode).toBe('a');
    const hinted = { 'x-modeswitch-type': 'code' };
    expect((await generate(c, metadata({ ...hinted, ...bearer(PLANNER_KEY) }))).mode).toBe('a');
    expect((await generate(c, metadata({ ...hinted, ...bearer(WEB_KEY) }))).mode).toBe('b');
  });
});

describe('client API keys on ext_proc', () => {
  const POST = { ':method': 'POST', ':path': '/v1/chat/completions', ':authority': 'gw' };
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });

  async function pick(target: string, headers: Record<string, string>) {
    const stream = new ExtProcStream(fleet.closing(extProcClient(target)));
    stream.send(
      requestHeaders({ ...POST, 'content-length': String(body.length), ...headers }),
      requestBody(body, true),
    );
    const [answer] = await stream.next(1);
    stream.end();
    return answer!;
  }

  it("gives no pod address to a request without a valid key, and strips the client's key before the engines", async () => {
    const port = await freePort();
    await start({ extProcPort: port });
    const target = `127.0.0.1:${port}`;
    for (const headers of [{}, bearer('sk-guessed')]) {
      const answer = await pick(target, headers);
      expect(answer.response.case).toBe('immediateResponse');
      expect(immediateOf(answer).status).toBe(401);
      expect(JSON.stringify(immediateOf(answer).body)).not.toMatch(/127\.0\.0\.1/);
    }
    const routed = await pick(target, { ...bearer(WEB_KEY), 'x-modeswitch-type': 'code' });
    expect(routed.response.case).toBe('requestHeaders');
    expect(setHeadersOf(routed)['x-gateway-destination-endpoint']).toMatch(/^127\.0\.0\.1:\d+/);
    // Untrusted: the hint is ignored (mode b, the default), and the engines never see the client's key.
    expect(commonOf(routed)?.headerMutation?.removeHeaders).toContain('authorization');
    expect(setHeadersOf(routed)['x-modeswitch-type']).not.toBe('code');
  });
});

describe('client API keys in the router config', () => {
  it('come through from what the operator renders, and a key directory that cannot be read stops the start', async () => {
    const rendered = routerConfig(resolvePolicy(policy()));
    expect(rendered.clientApiKeysDir).toBe('/etc/modeswitch/client-keys');
    expect(parseRouterConfig(JSON.parse(JSON.stringify(rendered)))).toEqual(rendered);
    expect(() => parseRouterConfig({ policyFile: 'p.yaml', clientApiKeysDir: 7 })).toThrow('clientApiKeysDir');
    const missing = join(keysDir, 'not-mounted');
    await expect(start({ keysDir: missing })).rejects.toThrow(`cannot read client API keys from ${missing}`);
  });
});
