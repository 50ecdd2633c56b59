/** Router + simulated vLLM engines + simulated dcgm-exporter on loopback, for the end-to-end tests and the bench. */
import { create } from '@bufbuild/protobuf';
import { credentials, Metadata } from '@grpc/grpc-js';
import { GenerateRequestSchema } from '../../../src/gen/modeswitch/v1/router_pb.js';
import type { GenerateResponse } from '../../../src/gen/modeswitch/v1/router_pb.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRouter } from '../../../src/router/create-router.js';
import type { Router, RouterOptions } from '../../../src/router/create-router.js';
import { staticSource } from '../../../src/router/pods/static-source.js';
import { routerClient } from '../../../src/router/front/grpc/client.js';
import type { RouterClient } from '../../../src/router/front/grpc/client.js';
import { gpuSourceFromEngine, startDcgmExporter, startSimEngine } from '../../../src/sim/index.js';
import type { DcgmExporter, SimEngine, SimEngineOptions } from '../../../src/sim/index.js';

export const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
export const NAMESPACE = 'llm';

export interface ModeSetup {
  preset: string;
  replicas?: number;
  engine?: Partial<SimEngineOptions>;
}

export interface Harness {
  router: Router;
  http: string;
  grpc: RouterClient;
  /** host:port of the gRPC listener, for clients of other services (health, reflection). */
  grpcTarget: string;
  metricsUrl: string;
  engines: Map<string, SimEngine[]>;
  exporter: DcgmExporter;
  close(): Promise<void>;
}

export function testPolicy(
  routing: InferenceModePolicy['spec']['routing'],
  modes: readonly string[],
): InferenceModePolicy {
  return {
    apiVersion: 'modeswitch.io/v1alpha1',
    kind: 'InferenceModePolicy',
    metadata: { name: 'llama', namespace: NAMESPACE, generation: 1 },
    spec: { model: MODEL, modes: modes.map((name) => ({ name })), routing },
  };
}

/** Starts engines for each mode (pods `llama-<mode>-<i>` in namespace llm), one exporter, and the router. */
export async function startHarness(
  policy: InferenceModePolicy,
  modes: Record<string, ModeSetup>,
  options: Partial<Pick<RouterOptions, 'maxRequestBytes' | 'upstream' | 'scrapeIntervalMs'>> = {},
): Promise<Harness> {
  const quiet = createLogger('test', { level: 'error' });
  const engines = new Map<string, SimEngine[]>();
  const endpoints: Record<string, string[]> = {};
  for (const [mode, setup] of Object.entries(modes)) {
    const list: SimEngine[] = [];
    for (let i = 0; i < (setup.replicas ?? 1); i++) {
      const podName = `llama-${mode}-${i}`;
      list.push(
        await startSimEngine({
          mode: setup.preset,
          port: 0,
          servedModelName: MODEL,
          timeScale: 20,
          podName,
          namespace: NAMESPACE,
          logger: quiet,
          ...setup.engine,
        }),
      );
    }
    engines.set(mode, list);
    endpoints[mode] = list.map((e) => `${e.url}#${NAMESPACE}/${e.podName}`);
  }
  const exporter = await startDcgmExporter({
    sources: [...engines.values()].flat().map((e) => gpuSourceFromEngine(e)),
    port: 0,
    logger: quiet,
  });
  const router = createRouter({
    discovery: staticSource(policy, endpoints),
    listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0 },
    dcgmUrls: [`${exporter.url}/metrics`],
    scrapeIntervalMs: options.scrapeIntervalMs ?? 50,
    maxRequestBytes: options.maxRequestBytes ?? 64 * 1024,
    drainTimeoutMs: 2000,
    // The tests' own clients keep idle connections open; the drain tests use the router's default.
    drainQuietMs: 200,
    logger: quiet,
    upstream: options.upstream,
  });
  const ports = await router.start();
  const grpc = routerClient(`127.0.0.1:${ports.grpcPort}`, credentials.createInsecure());
  return {
    router,
    http: `http://127.0.0.1:${ports.httpPort}`,
    grpc,
    grpcTarget: `127.0.0.1:${ports.grpcPort}`,
    metricsUrl: `http://127.0.0.1:${ports.metricsPort}/metrics`,
    engines,
    exporter,
    async close() {
      grpc.close();
      await router.stop();
      await exporter.close();
      await Promise.all([...engines.values()].flat().map((e) => e.close()));
    },
  };
}

export interface ChatResult {
  status: number;
  mode: string | null;
  rule: string | null;
  requestId: string | null;
  body: string;
}

/** POSTs a chat completion and reads the whole answer. */
export async function chat(
  base: string,
  content: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<ChatResult> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 16, ...extra }),
  });
  return {
    status: res.status,
    mode: res.headers.get('x-modeswitch-mode'),
    rule: res.headers.get('x-modeswitch-rule'),
    requestId: res.headers.get('x-request-id'),
    body: await res.text(),
  };
}

export type GenerateInit = Parameters<typeof create<typeof GenerateRequestSchema>>[1];

/** One streaming Generate call through the harness's router: every event and the response metadata. */
export function generateOver(
  h: Pick<Harness, 'grpc'>,
  req: GenerateInit,
  md = new Metadata(),
): Promise<{ events: GenerateResponse[]; headers: Metadata }> {
  return new Promise((resolve, reject) => {
    const events: GenerateResponse[] = [];
    let headers = new Metadata();
    const call = h.grpc.generate(create(GenerateRequestSchema, req), md);
    call.on('metadata', (m) => (headers = m));
    call.on('data', (e: GenerateResponse) => events.push(e));
    call.on('error', reject);
    call.on('end', () => resolve({ events, headers }));
  });
}
