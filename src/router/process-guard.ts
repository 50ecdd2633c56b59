import type { Logger } from '../observability/logger.js';
import type { RouterMetrics } from './accounting/router-metrics.js';

/**
 * The router process's last line of defence: a rejection nobody handled or an exception nobody caught is logged and
 * counted (modeswitch_router_faults_total) instead of ending the process and cutting every request in flight. Every
 * known path handles its own errors; this is for the unknown ones. Returns the function that removes the guard.
 */
export function guardProcess(
  logger: Logger,
  metrics: RouterMetrics,
  target: Pick<NodeJS.Process, 'on' | 'off'> = process,
): () => void {
  const onRejection = (reason: unknown) => caught('unhandled_rejection', reason);
  const onException = (err: unknown) => caught('uncaught_exception', err);
  function caught(where: 'unhandled_rejection' | 'uncaught_exception', err: unknown): void {
    metrics.faults.inc({ where });
    logger.error('router fault caught at the process level; still serving', {
      where,
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
  }
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return () => {
    target.off('unhandledRejection', onRejection);
    target.off('uncaughtException', onException);
  };
}
