import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { credentials, Metadata } from '@grpc/grpc-js';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { resolvePolicy } from '../../src/api/v1alpha1/defaults.js';
import { ClassifyRequestSchema } from '../../src/gen/modeswitch/v1/router_pb.js';
import type { ClassifyResponse } from '../../src/gen/modeswitch/v1/router_pb.js';
import { createLogger } from '../../src/observability/logger.js';
import { routerConfig } from '../../src/operator/render/router-config.js';
import { parseRouterConfig } from '../../src/router/config/parse-router-config.js';
import { routerFromConfig } from '../../src/router/config/start-from-config.js';
import { routerClient } from '../../src/router/front/grpc/client.js';
import { startSimEngine } from '../../src/sim/index.js';
import type { SimEngine } from '../../src/sim/index.js';
import { MODEL, testPolicy } from './support/harness.js';
import { standInEngine } from './support/stand-in-engine.js';

const TLS = fileURLToPath(new URL('./fixtures/tls/', import.meta.url));
const tlsFile = (name: string) => readFileSync(join(TLS, name));

describe('parseRouterConfig', () => {
  it('accepts what the operator renders', () => {
    const policy = testPolicy({ defaultMode: 'fp8' }, ['fp8']);
    const rendered = routerConfig(resolvePolicy(policy));
    expect(parseRouterConfig(JSON.parse(JSON.stringify(rendered)))).toEqual(rendered);
  });

  it("carries the policy's spec.router.requestLimits into the router config, where the router reads them", () => {
    const policy = testPolicy({ defaultMode: 'fp8' }, ['fp8']);
    policy.spec.router = { requestLimits: { maxBufferedBytesPerClient: 8 * 1024 * 1024, maxExtProcStreams: 64 } };
    const rendered = routerConfig(resolvePolicy(policy));
    expect(parseRouterConfig(JSON.parse(JSON.stringify(rendered))).limits).toEqual({
      maxBufferedBytesPerClient: 8 * 1024 * 1024,
      maxExtProcStreams: 64,
    });
  });

  it.each([
    [{ listen: {} }, 'policyRef/policyFile: set exactly one'],
    [{ policyFile: 'p.yaml', listen: { httpPort: -1 } }, 'listen.httpPort: must be a non-negative integer'],
    [{ policyFile: 'p.yaml', endpoints: { fp8: 'http://x' } }, 'endpoints.fp8: must be a list of URLs'],
    [
      { policyFile: 'p.yaml', tls: { certFile: 'c', keyFile: 'k', requireClientCertificate: true } },
      'tls.caFile: is required',
    ],
    [{ policyFile: 'p.yaml', limits: { bodyTimeout: 5 } }, 'limits.bodyTimeout: is not a known setting'],
    [{ policyFile: 'p.yaml', health: { intervalMs: 0 } }, 'health.intervalMs: must be a positive integer'],
    [{ policyFile: 'p.yaml', exposeInternals: 'yes' }, 'exposeInternals: must be true or false'],
  ])('names the field at fault: %j', (raw, message) => {
    expect(() => parseRouterConfig(raw)).toThrow(message);
  });
});

describe('a standalone router from a config file, with TLS and client certificates', () => {
  let engine: SimEngine;
  let dir: string;
  const logger = createLogger('test', { level: 'error' });

  beforeAll(async () => {
    engine = await startSimEngine({ mode: 'fp8', port: 0, servedModelName: MODEL, timeScale: 20, logger });
    dir = mkdtempSync(join(tmpdir(), 'router-config-'));
    writeFileSync(join(dir, 'policy.yaml'), stringify(testPolicy({ defaultMode: 'fp8' }, ['fp8'])));
  });
  afterAll(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects an invalid policy file with its problems', async () => {
    writeFileSync(join(dir, 'bad.yaml'), stringify({ ...testPolicy({ defaultMode: 'nope' }, ['fp8']) }));
    const config = parseRouterConfig({ policyFile: join(dir, 'bad.yaml') });
    await expect(
      routerFromConfig(config, { logger, kubeDiscovery: async () => Promise.reject(new Error('unused')) }),
    ).rejects.toThrow(/bad.yaml: the policy is invalid: .*defaultMode/);
  });

  it('sends the engines the API key from upstreamApiKeyFile (a mounted Secret)', async () => {
    const standIn = await standInEngine();
    writeFileSync(join(dir, 'api-key'), 'engine-key\n');
    const config = parseRouterConfig({
      policyFile: join(dir, 'policy.yaml'),
      endpoints: { fp8: [standIn.url] },
      listen: { host: '127.0.0.1', httpPort: 0, grpcPort: 0, metricsPort: 0 },
      upstreamApiKeyFile: join(dir, 'api-key'),
    });
    const router = await routerFromConfig(config, {
      logger,
      kubeDiscovery: async () => Promise.reject(new Error('unused')),
    });
    const ports = await router.start();
    try {
      const res = await fetch(`http://127.0.0.1:${ports.httpPort}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, prompt: 'x' }),
      });
      expect(res.status).toBe(200);
      expect(standIn.calls[0]?.headers['authorization']).toBe('Bearer engine-key');
    } finally {
      await router.stop();
      await standIn.close();
    }
  });

  it('serves HTTPS and gRPC over TLS only to clients with a certificate from the CA', async () => {
    const config = parseRouterConfig({
      policyFile: join(dir, 'policy.yaml'),
      endpoints: { fp8: [engine.url] },
      listen: { host: '127.0.0.1', httpPort: 0, grpcPort: 0, metricsPort: 0 },
      tls: {
        certFile: join(TLS, 'tls.crt'),
        keyFile: join(TLS, 'tls.key'),
        caFile: join(TLS, 'ca.crt'),
        requireClientCertificate: true,
      },
    });
    const router = await routerFromConfig(config, {
      logger,
      kubeDiscovery: async () => Promise.reject(new Error('unused')),
    });
    const ports = await router.start();
    const withCert = new Agent({
      connect: { ca: tlsFile('ca.crt'), cert: tlsFile('client.crt'), key: tlsFile('client.key') },
    });
    const withoutCert = new Agent({ connect: { ca: tlsFile('ca.crt') } });
    const grpc = routerClient(
      `localhost:${ports.grpcPort}`,
      credentials.createSsl(tlsFile('ca.crt'), tlsFile('client.key'), tlsFile('client.crt')),
    );
    try {
      const ok = await request(`https://localhost:${ports.httpPort}/v1/models`, { dispatcher: withCert });
      expect(ok.statusCode).toBe(200);
      await ok.body.dump();
      await expect(
        request(`https://localhost:${ports.httpPort}/v1/models`, { dispatcher: withoutCert }),
      ).rejects.toThrow();
      const res = await new Promise<ClassifyResponse>((resolve, reject) =>
        grpc.classify(create(ClassifyRequestSchema, { request: { prompt: 'hi' } }), new Metadata(), (err, r) =>
          err || !r ? reject(err) : resolve(r),
        ),
      );
      expect(res.decision?.mode).toBe('fp8');
    } finally {
      grpc.close();
      await withCert.close();
      await withoutCert.close();
      await router.stop();
    }
  });
});
