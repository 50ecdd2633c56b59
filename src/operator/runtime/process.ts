import { systemClock, type Clock } from '../../kube/clock.js';
import { Agent } from 'undici';
import { connectKube } from '../../kube/connect.js';
import { undiciFetchText } from '../../metrics/fetch-text.js';
import type { Logger } from '../../observability/logger.js';
import { routerMetricsDemand } from '../../capacity/router-demand.js';
import { startHealthServer } from './health-server.js';
import { Operator, type LeaderElectionOptions } from './operator.js';
import { OPTIONAL_OWNED_KINDS } from '../policy/owned-kinds.js';

export interface OperatorProcessOptions {
  kubeconfigPath?: string;
  /** Kubeconfig YAML; wins over kubeconfigPath. */
  kubeconfigContent?: string;
  namespace?: string;
  workers: number;
  leaderElection?: LeaderElectionOptions;
  resyncPeriodMs: number;
  listenHost: string;
  listenPort: number;
  logger: Logger;
  clock?: Clock;
  /** The router image of policies that name none (the operator's own image). */
  routerImage?: string;
}

export interface OperatorProcess {
  /** Base URL of /healthz, /readyz and /metrics. */
  url: string;
  operator: Operator;
  /** Resolves with the exit code the process should end with: 0 after stop(), 1 when leadership was lost. */
  exited: Promise<number>;
  /** Clean shutdown: stop watches, drain the queue, release the lease, close the HTTP server. */
  stop(): Promise<void>;
}

/** Connects, starts the operator and its health/metrics server. */
export async function startOperatorProcess(options: OperatorProcessOptions): Promise<OperatorProcess> {
  const { logger } = options;
  const kube = connectKube({ path: options.kubeconfigPath, content: options.kubeconfigContent });
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  let stopping: Promise<void> | undefined;
  // CRDs the cluster may lack (Gateway API Inference Extension): looked up once; installing one later needs a restart.
  const served = await Promise.all(OPTIONAL_OWNED_KINDS.map(async (gvk) => ((await kube.serves(gvk)) ? [gvk] : [])));
  const servedOptionalKinds = served.flat();
  const operator = new Operator({
    servedOptionalKinds,
    client: kube.client,
    source: kube.source,
    namespace: options.namespace,
    workers: options.workers,
    leaderElection: options.leaderElection,
    resyncPeriodMs: options.resyncPeriodMs,
    routerImage: options.routerImage,
    clock: options.clock ?? systemClock,
    logger,
    // Demand for the capacity planner comes from each router pod's own /metrics: no Prometheus needed.
    capacityDemand: routerMetricsDemand(undiciFetchText(new Agent({ connections: 4 }))),
    onLostLeadership: () => {
      logger.error('lost leadership; exiting so a fresh process can campaign again');
      void stop(1);
    },
  });
  const health = await startHealthServer({
    host: options.listenHost,
    port: options.listenPort,
    isReady: () => operator.isReady(),
    registry: operator.metrics.registry,
  });
  const stop = (code: number): Promise<void> => {
    stopping ??= (async () => {
      logger.info('shutting down');
      await operator.stop();
      await health.close();
      resolveExit(code);
    })();
    return stopping;
  };
  operator.start();
  logger.info('operator started', {
    server: kube.server,
    namespace: options.namespace ?? '(all)',
    workers: options.workers,
    leaderElection: options.leaderElection ? options.leaderElection.identity : 'off',
    optionalKinds: servedOptionalKinds.map((k) => k.kind).join(',') || '(none)',
    health: health.url,
  });
  return { url: health.url, operator, exited, stop: () => stop(0) };
}
