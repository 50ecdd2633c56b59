import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  reconcileTotal: Counter<'result'>;
  reconcileDuration: Histogram;
  reconcileErrors: Counter;
  queueDepth: Gauge;
  /** What the capacity planner wants per autoscaled mode (what KEDA or an HPA reads with external actuation). */
  capacityDesiredReplicas: Gauge<'policy' | 'mode'>;
}

/** The operator's metrics, named as controller-runtime's, in a private registry (tests can run several). */
export function createOperatorMetrics(options: { queueLength: () => number }): OperatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reconcileTotal: new Counter({
      name: 'modeswitch_reconcile_total',
      help: 'Reconciles of InferenceModePolicies by result (success, error).',
      labelNames: ['result'],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'modeswitch_reconcile_duration_seconds',
      help: 'Time to reconcile one InferenceModePolicy.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers: [registry],
    }),
    reconcileErrors: new Counter({
      name: 'modeswitch_reconcile_errors_total',
      help: 'Reconciles that failed and were retried with backoff.',
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'modeswitch_workqueue_depth',
      help: 'Policies waiting in the work queue.',
      registers: [registry],
      collect() {
        this.set(options.queueLength());
      },
    }),
    capacityDesiredReplicas: new Gauge({
      name: 'modeswitch_capacity_desired_replicas',
      help: 'Replicas the capacity planner wants for an autoscaled mode (policy is namespace/name).',
      labelNames: ['policy', 'mode'],
      registers: [registry],
    }),
  };
}
