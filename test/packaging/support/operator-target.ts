/**
 * The operator's metrics and health endpoint, fed by its real reconcile loop (work queue, workers, policy
 * controller) against the in-memory client: what Prometheus scrapes from an operator pod.
 */
import { validatePolicy } from '../../../src/api/v1alpha1/validation.js';
import { systemClock } from '../../../src/kube/clock.js';
import { createLogger } from '../../../src/observability/logger.js';
import { startHealthServer } from '../../../src/operator/health-server.js';
import { createOperatorMetrics } from '../../../src/operator/metrics.js';
import { PolicyController } from '../../../src/operator/policy-controller.js';
import { renderPolicy } from '../../../src/operator/render/index.js';
import { WorkQueue } from '../../../src/operator/work-queue.js';
import { runWorkers } from '../../../src/operator/workers.js';
import { FakeKubeClient } from '../../support/fake-kube-client.js';
import { loadExample } from '../../support/policies.js';

export interface OperatorTarget {
  /** host:port of /metrics */
  metricsAddress: string;
  /** Queues one reconcile of the example policy. */
  reconcile(): void;
  close(): Promise<void>;
}

export async function startOperatorTarget(): Promise<OperatorTarget> {
  const logger = createLogger('packaging-test-operator', { level: 'error' });
  const client = new FakeKubeClient();
  const example = loadExample();
  const policy = client.seed({ ...example, metadata: { ...example.metadata, namespace: example.metadata.namespace ?? 'llm' } });
  const key = `${policy.metadata.namespace}/${policy.metadata.name}`;
  const queue = new WorkQueue({ clock: systemClock });
  const metrics = createOperatorMetrics({ queueLength: () => queue.length });
  const controller = new PolicyController({ client, reader: client.reader, validate: validatePolicy, render: renderPolicy, clock: systemClock, logger });
  const workers = runWorkers({ queue, count: 1, process: (k) => controller.processItem(k), metrics, logger, clock: systemClock });
  const server = await startHealthServer({ host: '127.0.0.1', port: 0, isReady: () => true, registry: metrics.registry });
  return {
    metricsAddress: new URL(server.url).host,
    reconcile: () => queue.add(key),
    async close() {
      await queue.shutDown();
      await workers;
      await server.close();
    },
  };
}
