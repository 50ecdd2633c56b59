import { ClientKeys } from './auth/client-keys.js';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer, RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ServerCredentials } from '@grpc/grpc-js';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { ROUTER_DEFAULTS, type RouterLimits } from '../api/v1alpha1/router-config.js';
import type { InferenceModePolicy } from '../api/v1alpha1/types.js';
import { createLogger } from '../observability/logger.js';
import type { Logger } from '../observability/logger.js';
import { createRouterMetrics } from './accounting/router-metrics.js';
import type { RouterMetrics } from './accounting/router-metrics.js';
import { RouterCore } from './core/router-core.js';
import { compilePolicy, PolicyCompileError } from './decide/compile-policy.js';
import type { DiscoverySource } from './pods/discovery-source.js';
import { PodRegistry } from './pods/pod-registry.js';
import type { AttemptTimeouts } from './forward/send-attempt.js';
import { HealthChecker } from './pods/health-checker.js';
import { PodHealth } from './pods/pod-health.js';
import { createExtProcFront } from './front/extproc/extproc-server.js';
import { gatewayRouting } from './front/extproc/gateway-routing.js';
import { createGrpcFront } from './front/grpc/grpc-server.js';
import { DrainableConnections } from './front/http/drain-connections.js';
import { httpApp } from './front/http/http-app.js';
import { metricsApp } from './front/http/metrics-app.js';
import { BufferBudget } from './serve/buffer-budget.js';
import type { ServeContext } from './serve/serve-context.js';
import { undiciFetchText, type FetchText } from '../metrics/fetch-text.js';
import { Scraper } from './telemetry/scraper.js';
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
  /** extProcPort: the Endpoint Picker (Envoy ext_proc) for a gateway's InferencePool; not served when absent. */
  listen: { host: string; grpcPort: number; httpPort: number; metricsPort: number; extProcPort?: number };
  /** dcgm-exporter URLs (full, with path). */
  dcgmUrls: readonly string[];
  scrapeIntervalMs: number;
  maxRequestBytes: number;
  drainTimeoutMs: number;
  /** Keep accepting (while unready) this long after stop() before draining; RouterConfig.shutdownDelayMs. */
  shutdownDelayMs?: number;
  /** RouterConfig.drainQuietMs. */
  drainQuietMs?: number;
  tls?: RouterTls;
  logger?: Logger;
  now?: () => number;
  /** Connection pool to the engines and exporters; one keep-alive Agent by default. */
  dispatcher?: Dispatcher;
  fetchText?: FetchText;
  upstream?: Partial<UpstreamTuning>;
  health?: Partial<HealthTuning>;
  limits?: Partial<RouterLimits>;
  /** Sent to the engines as `Authorization: Bearer …`. */
  upstreamApiKey?: string;
  /** Clients' API keys, one file per client (a mounted Secret); every request must then carry one. */
  clientApiKeysDir?: string;
  /** How often that directory is read again (default ROUTER_DEFAULTS.clientKeysReloadMs). */
  clientKeysReloadMs?: number;
  /** Client-facing messages may name pods and addresses (debugging only). */
  exposeInternals?: boolean;
  /** Window for energy per token (default 30 s). */
  energyWindowMs?: number;
}

type UpstreamTuning = AttemptTimeouts & { maxAttempts: number };
type HealthTuning = { intervalMs: number; timeoutMs: number; consecutiveFailures: number; ejectMs: number };

export interface Router {
  /** Listens on every port; resolves with the ports bound (useful with port 0). */
  start(): Promise<{ httpPort: number; grpcPort: number; metricsPort: number; extProcPort?: number }>;
  /** Stops taking requests, lets those in flight finish (up to drainTimeoutMs), then closes everything. */
  stop(): Promise<void>;
  readonly core: RouterCore;
  readonly metrics: RouterMetrics;
  readonly registry: PodRegistry;
  readonly scraper: Scraper;
  readonly healthChecker: HealthChecker;
  /** The request path's context, for a further front end (ext_proc) served by this router. */
  readonly serveContext: ServeContext;
  /** True while at least one mode has a healthy pod and the router is not draining. */
  ready(): boolean;
}

/** How often a drain looks for connections that went quiet (DrainableConnections.closeQuiet). */
const DRAIN_SWEEP_MS = 100;

/** Wires discovery, telemetry, health, the request path and the three listeners. */
export function createRouter(options: RouterOptions): Router {
  const logger = options.logger ?? createLogger('router');
  const now = options.now ?? Date.now;
  // Idle sockets are dropped after 4 s, before uvicorn's (vLLM's) 5 s keep-alive: a request must never be written
  // to a socket the engine is closing (that reads as a connection error and ejects a healthy pod). Under load the
  // sockets never idle that long, so this costs no reconnects.
  const dispatcher =
    options.dispatcher ??
    new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 4_000, connections: 256, pipelining: 1 });
  const registry = new PodRegistry();
  const store = new TelemetryStore({
    modeOfPod: (namespace, pod) => registry.byPodName(namespace, pod)?.mode,
    // Runs only once scraping has started, after `metrics` below exists.
    onEnergy: (mode, joules) => metrics.energy.inc({ policy: core.policy?.name ?? 'none', mode }, joules),
    onPodPower: (namespace, pod, watts) => learnPower(namespace, pod, watts),
    energyWindowMs: options.energyWindowMs ?? 30_000,
  });
  const core = new RouterCore({ registry, store, now });
  const fetchText = options.fetchText ?? undiciFetchText(dispatcher);
  const scraper = new Scraper({
    store,
    fetchText,
    pods: () => registry.all(),
    dcgmUrls: options.dcgmUrls,
    intervalMs: options.scrapeIntervalMs,
    now,
    logger,
  });
  let draining = false;
  const ready = () => !draining && (core.modeView()?.anyHealthy ?? false);
  const metrics = createRouterMetrics({
    policy: () => core.policy?.name ?? 'none',
    modeStates: () => core.modeView()?.states ?? new Map(),
    telemetryAge: (s) => scraper.ageSeconds(s),
    predictions: () => core.predictions(),
    fittedModels: () => core.models.fitted(),
  });
  // A pod's power over the last scrape interval, against its batch now (the router's count or the engine's, the larger).
  const learnPower = (namespace: string | undefined, pod: string, watts: number) => {
    const record = registry.byPodName(namespace, pod);
    if (!record || !core.policy) return;
    const engine = store.engine(record.url)?.value;
    const load = { inFlight: record.inFlight, queueDepth: engine?.queueDepth, running: engine?.running };
    if (core.models.observePodPower(record.mode, load, watts))
      metrics.modelSamples.inc({ policy: core.policy.name, mode: record.mode, signal: 'power' });
  };
  const healthTuning = { ...ROUTER_DEFAULTS.health, ...options.health };
  const policyName = () => core.policy?.name ?? 'none';
  const health = new PodHealth({
    consecutiveFailures: healthTuning.consecutiveFailures,
    ejectMs: healthTuning.ejectMs,
    maxEjectMs: healthTuning.ejectMs * 12,
    now,
    changed: () => registry.touch(),
    ejected: (pod, reason, forMs) => {
      metrics.ejections.inc({ policy: policyName(), mode: pod.mode, reason });
      logger.warn('pod taken out of rotation', {
        mode: pod.mode,
        pod: pod.pod ?? pod.url,
        reason,
        ms: forMs || undefined,
      });
    },
    recovered: (pod) => logger.info('pod passes its health check again', { mode: pod.mode, pod: pod.pod ?? pod.url }),
  });
  const healthChecker = new HealthChecker({
    pods: () => registry.all(),
    health,
    probe: (url, timeoutMs) =>
      fetchText(url, timeoutMs).then(
        () => true,
        () => false,
      ),
    intervalMs: healthTuning.intervalMs,
    timeoutMs: healthTuning.timeoutMs,
  });
  let inFlightCount = 0;
  let drained: (() => void) | undefined;
  const { maxAttempts, ...timeouts } = { ...ROUTER_DEFAULTS.upstream, ...options.upstream };
  const ctx: ServeContext = {
    core,
    metrics,
    health,
    upstream: { dispatcher, timeouts, maxAttempts, apiKey: options.upstreamApiKey },
    logger,
    now,
    inFlight: {
      add: () => void inFlightCount++,
      done: () => {
        if (--inFlightCount === 0) drained?.();
      },
    },
    exposeInternals: options.exposeInternals ?? false,
    clientKeys:
      options.clientApiKeysDir === undefined
        ? undefined
        : new ClientKeys(
            options.clientApiKeysDir,
            logger,
            options.clientKeysReloadMs ?? ROUTER_DEFAULTS.clientKeysReloadMs,
          ),
  };
  const limits: RouterLimits = { ...ROUTER_DEFAULTS.limits, ...options.limits };
  // One budget for request bodies across the fronts that buffer them (HTTP, ext_proc).
  const budget = new BufferBudget(limits);
  const grpc = createGrpcFront(ctx, options.maxRequestBytes);
  const http = listenerServer(
    httpApp(ctx, {
      maxRequestBytes: options.maxRequestBytes,
      bodyTimeoutMs: limits.bodyTimeoutMs,
      budget,
      draining: () => draining,
      ready,
    }),
    options.tls,
    limits.headersTimeoutMs,
  );
  const connections = new DrainableConnections(
    http,
    options.tls !== undefined,
    options.drainQuietMs ?? ROUTER_DEFAULTS.drainQuietMs,
  );
  const metricsServer = createHttpServer(metricsApp(metrics.registry, ready));
  const extProc =
    options.listen.extProcPort === undefined
      ? undefined
      : createExtProcFront(gatewayRouting(ctx, options.maxRequestBytes, budget), logger, {
          maxStreams: limits.maxExtProcStreams,
          requestTimeoutMs: limits.bodyTimeoutMs,
          onFault: () => metrics.faults.inc({ where: 'ext_proc' }),
        });
  const readinessTimer = setInterval(() => {
    grpc.setServing(ready());
    extProc?.setServing(ready());
  }, 500);
  readinessTimer.unref();

  const applyPolicy = (policy: InferenceModePolicy) => {
    try {
      const logged = new Set<string>();
      const compiled = compilePolicy(policy, {
        onRuleCostExceeded: (stopped) => {
          metrics.ruleCostExceeded.inc({ policy: stopped.policy, rule: stopped.rule });
          // Once per rule and policy edit: a hostile rule must not flood the log either.
          if (!logged.has(stopped.rule)) {
            logged.add(stopped.rule);
            logger.warn('rule stopped at its cost limit; it does not match', stopped);
          }
        },
      });
      core.setPolicy(compiled);
      logger.info('policy applied', {
        policy: compiled.name,
        version: compiled.version,
        rules: compiled.rules.length,
        interpretedRules: compiled.rules.filter((r) => !r.fast).map((r) => r.name),
      });
    } catch (err) {
      // A bad edit must not take routing down: keep serving with the last good policy.
      if (err instanceof PolicyCompileError)
        logger.error('policy rejected; keeping the previous one', { problems: err.problems });
      else throw err;
    }
  };

  return {
    core,
    metrics,
    registry,
    scraper,
    healthChecker,
    serveContext: ctx,
    ready,
    async start() {
      await options.discovery.start({
        policy: applyPolicy,
        endpoints: (byMode) => {
          registry.update(byMode);
          store.retain(registry.all());
        },
      });
      scraper.start();
      const { host } = options.listen;
      try {
        await healthChecker.start();
        const httpPort = await listen(http, options.listen.httpPort, host);
        const metricsPort = await listen(metricsServer, options.listen.metricsPort, host);
        const grpcPort = await new Promise<number>((resolve, reject) =>
          grpc.server.bindAsync(`${host}:${options.listen.grpcPort}`, grpcCredentials(options.tls), (err, port) =>
            err ? reject(err) : resolve(port),
          ),
        );
        // The gateway's Endpoint Picker stream is plaintext HTTP/2 inside the cluster, like the gateway's own hops to pods.
        const extProcPort =
          extProc &&
          (await new Promise<number>((resolve, reject) =>
            extProc.server.bindAsync(
              `${host}:${options.listen.extProcPort}`,
              ServerCredentials.createInsecure(),
              (err, port) => (err ? reject(err) : resolve(port)),
            ),
          ));
        grpc.setServing(ready());
        extProc?.setServing(ready());
        logger.info('router listening', {
          host,
          httpPort,
          grpcPort,
          metricsPort,
          extProcPort,
          tls: options.tls !== undefined,
        });
        return { httpPort, grpcPort, metricsPort, extProcPort };
      } catch (err) {
        // A port in use must end the process, not leave scrapes and watches running behind a dead router.
        await closeEverything();
        throw err;
      }
    },
    async stop() {
      // From here every HTTP answer carries `Connection: close`: kept-alive clients reconnect (elsewhere, once the
      // pod has left its Service) instead of sending more requests here.
      draining = true;
      grpc.setServing(false);
      extProc?.setServing(false);
      if (options.shutdownDelayMs) {
        logger.info('unready; still accepting while the pod leaves its Service', { delayMs: options.shutdownDelayMs });
        await new Promise((resolve) => setTimeout(resolve, options.shutdownDelayMs).unref());
      }
      logger.info('draining', { inFlight: inFlightCount, connections: connections.size });
      // Refuses new gRPC calls (GOAWAY) and lets running streams finish; forceShutdown below only after the window.
      const grpcDone = Promise.all(
        [grpc.server, extProc?.server].map(
          (s) => new Promise<void>((resolve) => (s ? s.tryShutdown(() => resolve()) : resolve())),
        ),
      );
      const drainedNow = inFlightCount === 0 ? Promise.resolve() : new Promise<void>((resolve) => (drained = resolve));
      // The HTTP listener stays open through the drain: a connection already in its backlog would be reset with the
      // request its client sent by closing it; whoever still connects is answered with `Connection: close`. Each
      // connection ends by that answer, by its client, or by going quiet (DrainableConnections); none is cut under
      // a request.
      let sweeping = true;
      const connectionsClosed = (async () => {
        while (sweeping && connections.size > 0) {
          await connections.closeQuiet();
          await new Promise((resolve) => setTimeout(resolve, DRAIN_SWEEP_MS));
        }
      })();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.drainTimeoutMs).unref());
      await Promise.race([Promise.all([drainedNow, grpcDone, connectionsClosed]), timeout]);
      sweeping = false;
      await connectionsClosed;
      const abandoned = inFlightCount;
      if (abandoned > 0) {
        metrics.cutByDrain.inc(abandoned);
        logger.warn('drain window ended; cutting requests still in flight', {
          abandoned,
          drainTimeoutMs: options.drainTimeoutMs,
        });
      }
      await closeEverything();
      logger.info('router stopped', { abandoned });
    },
  };

  async function closeEverything(): Promise<void> {
    if (http.listening) http.close();
    http.closeAllConnections();
    grpc.server.forceShutdown();
    extProc?.server.forceShutdown();
    clearInterval(readinessTimer);
    ctx.clientKeys?.close();
    await Promise.all([scraper.stop(), healthChecker.stop()]);
    await options.discovery.stop();
    await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    metricsServer.closeAllConnections();
    if (!options.dispatcher) await dispatcher.close();
  }
}

function listenerServer(app: RequestListener, tls: RouterTls | undefined, headersTimeout: number): HttpServer {
  const settings = {
    // Longer than the 60 s idle timeout of common load balancers, so they never reuse a connection we are closing.
    keepAliveTimeout: 65_000,
    // Slow headers get Node's own 408; bodies have the router's timeout (read-body.ts). Checked every second, not
    // Node's default 30 s, so the limits hold to about a second.
    headersTimeout,
    requestTimeout: 0,
    connectionsCheckingInterval: 1_000,
  };
  if (!tls) return createHttpServer(settings, app);
  return createHttpsServer(
    {
      ...settings,
      cert: tls.cert,
      key: tls.key,
      ca: tls.ca,
      requestCert: tls.requireClientCertificate,
      rejectUnauthorized: tls.requireClientCertificate,
    },
    app,
  );
}

function grpcCredentials(tls: RouterTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const ca = tls.ca === undefined ? null : Buffer.from(tls.ca);
  return ServerCredentials.createSsl(
    ca,
    [{ cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) }],
    tls.requireClientCertificate,
  );
}

function listen(server: HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
