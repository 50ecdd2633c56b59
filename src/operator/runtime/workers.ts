import type { Clock } from '../../kube/clock.js';
import type { Logger } from '../../observability/logger.js';
import type { OperatorMetrics } from './metrics.js';
import type { ReconcileOutcome } from '../policy/policy-controller.js';
import type { WorkQueue } from './work-queue.js';

export interface WorkersOptions {
  queue: WorkQueue;
  count: number;
  process: (key: string) => Promise<ReconcileOutcome>;
  metrics: OperatorMetrics;
  logger: Logger;
  clock: Clock;
}

/** Runs `count` workers that take keys off the queue until it is shut down; resolves when all have exited. */
export async function runWorkers(options: WorkersOptions): Promise<void> {
  await Promise.all(Array.from({ length: options.count }, () => workerLoop(options)));
}

async function workerLoop(options: WorkersOptions): Promise<void> {
  const { queue, metrics, logger, clock } = options;
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    const started = clock.now();
    try {
      const outcome = await options.process(key);
      queue.forget(key);
      metrics.reconcileTotal.inc({ result: 'success' });
      if (outcome.applied > 0 || outcome.pruned > 0 || outcome.outcome === 'invalid') {
        logger.info('reconciled', { policy: key, ...outcome });
      }
    } catch (err) {
      metrics.reconcileTotal.inc({ result: 'error' });
      metrics.reconcileErrors.inc();
      logger.warn('reconcile failed; retrying with backoff', {
        policy: key,
        error: String(err),
        retries: queue.retries(key),
      });
      queue.addRateLimited(key);
    } finally {
      metrics.reconcileDuration.observe((clock.now() - started) / 1000);
      queue.done(key);
    }
  }
}
