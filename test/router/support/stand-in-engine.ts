/** A hand-driven engine on loopback, for faults the simulator does not make (hangs, 500s while idle, floods). */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRouter } from '../../../src/router/create-router.js';
import type { Router, RouterOptions } from '../../../src/router/create-router.js';
import type { DiscoveryListener } from '../../../src/router/pods/discovery-source.js';
import { parseEndpoint } from '../../../src/router/pods/endpoint.js';

export type EngineHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface StandInEngine {
  url: string;
  /** Generation requests received (method, path, headers, body). */
  calls: Array<{ path: string; headers: IncomingMessage['headers']; body: string }>;
  /** Replaces how generation requests are answered. */
  handle: EngineHandler;
  close(): Promise<void>;
}

/** Idle vLLM telemetry: a router that reads it sees a pod with nothing running and nothing waiting. */
const IDLE_METRICS = 'vllm:num_requests_waiting 0\nvllm:num_requests_running 0\nvllm:kv_cache_usage_perc 0\n';

/** Never answers: the engine accepted the request and hangs. */
export const hang: EngineHandler = () => undefined;

export const ok: EngineHandler = (_req, res) =>
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end('{"choices":[{"text":"ok"}],"usage":{"prompt_tokens":1,"completion_tokens":1}}');

/**
 * An engine whose /metrics answer and whose /health answers as `health()` says (200, 503, or never), and whose
 * generations `handle` answers.
 */
export async function standInEngine(
  handle: EngineHandler = ok,
  health: () => 'ok' | 'failing' | 'hung' = () => 'ok',
): Promise<StandInEngine> {
  const sockets = new Set<Socket>();
  const engine: StandInEngine = {
    url: '',
    calls: [],
    handle,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      if (req.url === '/health') {
        const state = health();
        if (state !== 'hung') res.writeHead(state === 'ok' ? 200 : 503).end();
        return;
      }
      if (req.url === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(IDLE_METRICS);
      return void res.writeHead(404).end();
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      engine.calls.push({ path: req.url ?? '', headers: req.headers, body });
      engine.handle(req, res, body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  engine.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return engine;
}

export interface RouterOver {
  router: Router;
  http: string;
  grpcTarget: string;
  /** host:port of the Endpoint Picker (ext_proc) when `listen.extProcPort` was given (0 picks a free port). */
  extProcTarget?: string;
  metricsUrl: string;
  /** Hands the router another policy, as a watched policy edit would. */
  setPolicy(policy: InferenceModePolicy): void;
  metrics(): Promise<string>;
  close(): Promise<void>;
}

/** A router over stand-in engines (`mode → engines`), with a policy that can be swapped while it serves. */
export async function routerOver(
  policy: InferenceModePolicy,
  engines: Record<string, StandInEngine[]>,
  options: Partial<RouterOptions> = {},
): Promise<RouterOver> {
  let listener: DiscoveryListener | undefined;
  const router = createRouter({
    discovery: {
      async start(l) {
        listener = l;
        l.policy(policy);
        l.endpoints(
          new Map(
            Object.entries(engines).map(([mode, list]) => [
              mode,
              list.map((e, i) => parseEndpoint(mode, `${e.url}#llm/${mode}-${i}`)),
            ]),
          ),
        );
      },
      async stop() {},
    },
    listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0 },
    dcgmUrls: [],
    scrapeIntervalMs: 50,
    maxRequestBytes: 64 * 1024,
    drainTimeoutMs: 2000,
    // The tests' own clients keep idle connections open; the drain tests use the router's default.
    drainQuietMs: 200,
    logger: createLogger('test', { level: 'error' }),
    ...options,
  });
  const ports = await router.start();
  const metricsUrl = `http://127.0.0.1:${ports.metricsPort}/metrics`;
  return {
    router,
    http: `http://127.0.0.1:${ports.httpPort}`,
    grpcTarget: `127.0.0.1:${ports.grpcPort}`,
    extProcTarget: ports.extProcPort === undefined ? undefined : `127.0.0.1:${ports.extProcPort}`,
    metricsUrl,
    setPolicy: (p) => listener?.policy(p),
    metrics: async () => (await fetch(metricsUrl)).text(),
    close: () => router.stop(),
  };
}

/**
 * The stand-in engines and the router over them that a test starts, all closed after each test: call once at the top
 * of a test file (it registers the afterEach).
 */
export function closedAfterEachTest() {
  const engines: StandInEngine[] = [];
  const clients: { close(): unknown }[] = [];
  let router: RouterOver | undefined;
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await router?.close();
    router = undefined;
    await closeEngines();
  });
  async function closeEngines(): Promise<void> {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  }
  return {
    async engine(...args: Parameters<typeof standInEngine>): Promise<StandInEngine> {
      const e = await standInEngine(...args);
      engines.push(e);
      return e;
    },
    async router(...args: Parameters<typeof routerOver>): Promise<RouterOver> {
      router = await routerOver(...args);
      return router;
    },
    /** Something to close after the test, before the router: a client of it (gRPC, ext_proc), or a hand-made server. */
    closing<T extends { close(): unknown }>(client: T): T {
      clients.push(client);
      return client;
    },
    closeEngines,
  };
}
