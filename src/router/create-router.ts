import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer, RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ServerCredentials } from '@grpc/grpc-js';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import type { InferenceModePolicy } from '../api/v1alpha1/types.js';
import { createLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';
import { createRouterMetrics } from './accounting/router-metrics.js';
import type { RouterMetrics } from './accounting/router-metrics.js';
import type { FrontContext } from './core/request-context.js';
import { RouterCore } from './core/router-core.js';
import { compilePolicy, PolicyCompileError } from './decide/compile-policy.js';
import type { DiscoverySource } from './discovery/discovery-source.js';
import { PodRegistry } from './discovery/pod-registry.js';
import type { UpstreamOptions } from './forward/open-upstream.js';
import { createGrpcFront } from './grpc/grpc-server.js';
import { httpApp } from './http/http-app.js';
import { metricsApp } from './http/metrics-app.js';
import { undiciFetchText } from './telemetry/fetch-text.js';
import { Scraper } from './telemetry/scraper.js';
import type { FetchText } from './telemetry/scraper.js';
import { TelemetryStore } from './telemetry/telemetry-store.js';

export interface RouterTls {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA for client certificates. */
  ca?: string | Buffer;
  requireClientCertificate: boolean;
}

export interface RouterOptions {
  discovery: DiscoverySource;
  listen: { host: string; grpcPort: number; httpPort: number; metricsPort: number };
  /** dcgm-exporter URLs (full, with path). */
  dcgmUrls: readonly string[];
  scrapeIntervalMs: number;
  maxRequestBytes: number;
  drainTimeoutMs: number;
  /** Keep accepting (while unready) this long after stop() before draining; RouterConfig.shutdownDelayMs. */
  shutdownDelayMs?: number;
  tls?: RouterTls;
  logger?: Logger;
  now?: () => number;
  /** Connection pool to the engines and exporters; one keep-alive Agent by default. */
  dispatcher?: Dispatcher;
  fetchText?: FetchText;
  upstream?: Partial<Omit<UpstreamOptions, 'dispatcher' | 'eject'>>;
  /** Window for energy per token (default 30 s). */
  energyWindowMs?: number;
}

export interface Router {
  /** Listens on every port; resolves with the ports bound (useful with port 0). */
  start(): Promise<{ httpPort: number; grpcPort: number; metricsPort: number }>;
  /** Stops taking requests, lets those in flight finish (up to drainTimeoutMs), then closes everything. */
  stop(): Promise<void>;
  readonly core: RouterCore;
  readonly metrics: RouterMetrics;
  readonly registry: PodRegistry;
  readonly scraper: Scraper;
  /** True while at least one mode has a healthy pod and the router is not draining. */
  ready(): boolean;
}

const DEFAULT_UPSTREAM = { headersTimeoutMs: 60_000, bodyTimeoutMs: 60_000, generationTimeoutMs: 600_000, maxAttempts: 4, ejectMs: 5_000 };

/** Wires discovery, telemetry, classification, decision, forwarding and the three listeners. */
export function createRouter(options: RouterOptions): Router {
  const logger = options.logger ?? createLogger('router');
  const now = options.now ?? Date.now;
  // Idle sockets are dropped after 4 s, before uvicorn's (vLLM's) 5 s keep-alive: a request must never be written
  // to a socket the engine is closing (that reads as a connection error and ejects a healthy pod). Under load the
  // sockets never idle that long, so this costs no reconnects.
  const dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 4_000, connections: 256, pipelining: 1 });
  const registry = new PodRegistry();
  const store = new TelemetryStore({
    modeOfPod: (namespace, pod) => registry.all().find((p) => p.pod === pod && (namespace === undefined || p.namespace === undefined || p.namespace === namespace))?.mode,
    // Runs only once scraping has started, after `metrics` below exists.
    onEnergy: (mode, joules) => metrics.energy.inc({ policy: core.policy?.name ?? 'none', mode }, joules),
    energyWindowMs: options.energyWindowMs ?? 30_000,
  });
  const core = new RouterCore({ registry, store, now });
  const scraper = new Scraper({ store, fetchText: options.fetchText ?? undiciFetchText(dispatcher), pods: () => registry.all(), dcgmUrls: options.dcgmUrls, intervalMs: options.scrapeIntervalMs, now, logger });
  let draining = false;
  const ready = () => !draining && (core.modeView()?.anyHealthy ?? false);
  const metrics = createRouterMetrics({
    policy: () => core.policy?.name ?? 'none',
    modeStates: () => core.modeView()?.states ?? new Map(),
    telemetryAge: (s) => scraper.ageSeconds(s),
  });
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const upstream: UpstreamOptions = { ...DEFAULT_UPSTREAM, ...options.upstream, dispatcher, eject: (pod) => registry.eject(pod, now(), upstream.ejectMs) };
  const ctx: FrontContext = {
    core,
    metrics,
    upstream,
    logger,
    now,
    maxRequestBytes: options.maxRequestBytes,
    inFlight: {
      add: () => void inFlight++,
      done: () => {
        if (--inFlight === 0) drained?.();
      },
    },
    ready,
  };
  const grpc = createGrpcFront(ctx);
  const http = listenerServer(httpApp(ctx), options.tls);
  const metricsServer = createHttpServer(metricsApp(metrics.registry, ready));
  const readinessTimer = setInterval(() => grpc.setServing(ready()), 500);
  readinessTimer.unref();

  const applyPolicy = (policy: InferenceModePolicy) => {
    try {
      const compiled = compilePolicy(policy);
      core.setPolicy(compiled);
      logger.info('policy applied', { policy: compiled.name, version: compiled.version, rules: compiled.rules.length, interpretedRules: compiled.rules.filter((r) => !r.fast).map((r) => r.name) });
    } catch (err) {
      // A bad edit must not take routing down: keep serving with the last good policy.
      if (err instanceof PolicyCompileError) logger.error('policy rejected; keeping the previous one', { problems: err.problems });
      else throw err;
    }
  };

  return {
    core,
    metrics,
    registry,
    scraper,
    ready,
    async start() {
      await options.discovery.start({
        policy: applyPolicy,
        endpoints: (byMode) => {
          registry.update(byMode);
          store.retain(new Set(registry.all().map((p) => p.url)));
        },
      });
      scraper.start();
      const { host } = options.listen;
      try {
        const httpPort = await listen(http, options.listen.httpPort, host);
        const metricsPort = await listen(metricsServer, options.listen.metricsPort, host);
        const grpcPort = await new Promise<number>((resolve, reject) =>
          grpc.server.bindAsync(`${host}:${options.listen.grpcPort}`, grpcCredentials(options.tls), (err, port) => (err ? reject(err) : resolve(port))),
        );
        grpc.setServing(ready());
        logger.info('router listening', { host, httpPort, grpcPort, metricsPort, tls: options.tls !== undefined });
        return { httpPort, grpcPort, metricsPort };
      } catch (err) {
        // A port in use must end the process, not leave scrapes and watches running behind a dead router.
        await closeEverything();
        throw err;
      }
    },
    async stop() {
      draining = true;
      grpc.setServing(false);
      if (options.shutdownDelayMs) {
        logger.info('unready; still accepting while the pod leaves its Service', { delayMs: options.shutdownDelayMs });
        await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs).unref());
      }
      logger.info('draining', { inFlight });
      http.close();
      http.closeIdleConnections();
      // Refuses new gRPC calls and lets running streams finish; forceShutdown below only after the drain window.
      const grpcDone = new Promise<void>((resolve) => grpc.server.tryShutdown(() => resolve()));
      const drainedNow = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.drainTimeoutMs).unref());
      await Promise.race([Promise.all([drainedNow, grpcDone]), timeout]);
      await closeEverything();
      logger.info('router stopped', { abandoned: inFlight });
    },
  };

  async function closeEverything(): Promise<void> {
    if (http.listening) http.close();
    http.closeAllConnections();
    grpc.server.forceShutdown();
    clearInterval(readinessTimer);
    await scraper.stop();
    await options.discovery.stop();
    await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    metricsServer.closeAllConnections();
    if (!options.dispatcher) await dispatcher.close();
  }
}

function listenerServer(app: RequestListener, tls: RouterTls | undefined): HttpServer {
  // Longer than the 60 s idle timeout of common load balancers, so they never reuse a connection we are closing.
  const keepAliveTimeout = 65_000;
  if (!tls) return createHttpServer({ keepAliveTimeout }, app);
  return createHttpsServer(
    { keepAliveTimeout, cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: tls.requireClientCertificate, rejectUnauthorized: tls.requireClientCertificate },
    app,
  );
}

function grpcCredentials(tls: RouterTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const ca = tls.ca === undefined ? null : Buffer.from(tls.ca);
  return ServerCredentials.createSsl(ca, [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }], tls.requireClientCertificate);
}

function listen(server: HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
