/**
 * The operator's metrics and health endpoint, fed by its real reconcile loop (work queue, workers, policy
 * controller) and, given a policy with spec.capacity, its capacity controller reading a real router's /metrics,
 * against the in-memory client: what Prometheus scrapes from an operator pod.
 */
import { Agent } from 'undici';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { validatePolicy } from '../../../src/api/v1alpha1/validation.js';
import { systemClock } from '../../../src/kube/clock.js';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import { routerMetricsDemand } from '../../../src/capacity/router-demand.js';
import { CapacityController } from '../../../src/operator/capacity/capacity-controller.js';
import { startHealthServer } from '../../../src/operator/runtime/health-server.js';
import { createOperatorMetrics, type OperatorMetrics } from '../../../src/operator/runtime/metrics.js';
import { PolicyController } from '../../../src/operator/policy/policy-controller.js';
import { COMPONENT_ROUTER, selectorLabels } from '../../../src/api/v1alpha1/labels.js';
import { renderPolicy } from '../../../src/operator/render/index.js';
import { WorkQueue } from '../../../src/operator/runtime/work-queue.js';
import { runWorkers } from '../../../src/operator/runtime/workers.js';
import { undiciFetchText } from '../../../src/metrics/fetch-text.js';
import { FakeKubeClient } from '../../support/fake-kube-client.js';
import { loadExample } from '../../support/policies.js';

export interface OperatorTarget {
  /** host:port of /metrics */
  metricsAddress: string;
  /** Queues one reconcile of the example policy, and plans the capacity policy once (one plan at a time). */
  reconcile(): void;
  close(): Promise<void>;
}

export interface OperatorTargetOptions {
  /** A policy with spec.capacity, planned from the router whose /metrics is at routerMetricsAddress (host:port). */
  capacity?: { policy: InferenceModePolicy; routerMetricsAddress: string };
}

/** The capacity controller over one policy whose router pod is the given metrics address. */
function capacityPlanner(
  client: FakeKubeClient,
  o: NonNullable<OperatorTargetOptions['capacity']>,
  metrics: OperatorMetrics,
  logger: Logger,
) {
  const { hostname, port } = new URL(`http://${o.routerMetricsAddress}`);
  const name = o.policy.metadata.name;
  const policy: InferenceModePolicy = {
    ...o.policy,
    spec: { ...o.policy.spec, router: { ...o.policy.spec.router, metricsPort: Number(port) } },
  };
  client.seed({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${name}-router-0`,
      namespace: policy.metadata.namespace,
      labels: selectorLabels(name, COMPONENT_ROUTER),
    },
    status: { podIP: hostname, phase: 'Running' },
  });
  client.seed(policy);
  const agent = new Agent({ connections: 1 });
  const controller = new CapacityController({
    client,
    reader: client.reader,
    demand: routerMetricsDemand(undiciFetchText(agent)),
    clock: systemClock,
    logger,
    desiredReplicas: metrics.capacityDesiredReplicas,
  });
  let planning: Promise<unknown> | undefined;
  return {
    // A plan still running makes this call a no-op, as the operator's work queue hands a key to one worker at a time.
    plan: () => {
      planning ??= controller
        .reconcile(`${policy.metadata.namespace}/${name}`)
        .catch((err: unknown) => {
          logger.error('capacity plan failed', { error: String(err) });
        })
        .finally(() => (planning = undefined));
    },
    close: async () => {
      await planning;
      await agent.close();
    },
  };
}

export async function startOperatorTarget(options: OperatorTargetOptions = {}): Promise<OperatorTarget> {
  const logger = createLogger('packaging-test-operator', { level: 'error' });
  const client = new FakeKubeClient();
  const example = loadExample();
  const policy = client.seed({
    ...example,
    metadata: { ...example.metadata, namespace: example.metadata.namespace ?? 'llm' },
  });
  const key = `${policy.metadata.namespace}/${policy.metadata.name}`;
  const queue = new WorkQueue({ clock: systemClock });
  const metrics = createOperatorMetrics({ queueLength: () => queue.length });
  const controller = new PolicyController({
    client,
    reader: client.reader,
    validate: validatePolicy,
    render: renderPolicy,
    clock: systemClock,
    logger,
  });
  const workers = runWorkers({
    queue,
    count: 1,
    controller: 'policy',
    process: (k) => controller.processItem(k),
    metrics,
    logger,
    clock: systemClock,
  });
  const capacity = options.capacity && capacityPlanner(client, options.capacity, metrics, logger);
  const server = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    isReady: () => true,
    registry: metrics.registry,
  });
  return {
    metricsAddress: new URL(server.url).host,
    reconcile: () => {
      queue.add(key);
      capacity?.plan();
    },
    async close() {
      await queue.shutDown();
      await workers;
      await capacity?.close();
      await server.close();
    },
  };
}
