import type { Clock } from '../../kube/clock.js';
import type { Logger } from '../../observability/logger.js';
import type { OperatorMetrics } from './metrics.js';
import type { WorkQueue } from './work-queue.js';

export interface WorkersOptions<O extends object> {
  queue: WorkQueue;
  count: number;
  /**
   * Reconciles one key; a rejection retries it with the queue's backoff. An outcome with `requeueAfterMs` (a periodic
   * reconciler) has the key processed again after that long.
   */
  process: (key: string) => Promise<O>;
  /** What a successful reconcile did, to log; undefined logs nothing. */
  describe?: (outcome: O) => Record<string, unknown> | undefined;
  /** Names the controller in its log lines. */
  controller: string;
  /** The reconcile metrics (modeswitch_reconcile_*), which count the policy controller's reconciles. */
  metrics?: OperatorMetrics;
  logger: Logger;
  clock: Clock;
}

/** Runs `count` workers that take keys off the queue until it is shut down; resolves when all have exited. */
export async function runWorkers<O extends object>(options: WorkersOptions<O>): Promise<void> {
  await Promise.all(Array.from({ length: options.count }, () => workerLoop(options)));
}

async function workerLoop<O extends object>(options: WorkersOptions<O>): Promise<void> {
  const { queue, metrics, logger, clock, controller } = options;
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    const started = clock.now();
    try {
      const outcome = await options.process(key);
      queue.forget(key);
      metrics?.reconcileTotal.inc({ result: 'success' });
      const said = options.describe?.(outcome);
      if (said) logger.info('reconciled', { controller, policy: key, ...said });
      if ('requeueAfterMs' in outcome && typeof outcome.requeueAfterMs === 'number')
        queue.addAfter(key, outcome.requeueAfterMs);
    } catch (err) {
      metrics?.reconcileTotal.inc({ result: 'error' });
      metrics?.reconcileErrors.inc();
      logger.warn('reconcile failed; retrying with backoff', {
        controller,
        policy: key,
        error: String(err),
        retries: queue.retries(key),
      });
      queue.addRateLimited(key);
    } finally {
      metrics?.reconcileDuration.observe((clock.now() - started) / 1000);
      queue.done(key);
    }
  }
}
