import type { AttemptFailure } from '../forward/send-attempt.js';
import type { PodRecord } from './endpoint.js';

export type EjectionReason = 'connect_error' | 'consecutive_failures' | 'health_check';

export interface PodHealthOptions {
  /** Failed attempts in a row (5xx, late first byte, empty answer) that eject a pod; a refused connection ejects at once. */
  consecutiveFailures: number;
  /** First ejection's length; each further one without a success in between lasts one more such period. */
  ejectMs: number;
  maxEjectMs: number;
  now: () => number;
  /** A pod's health changed: views must be rebuilt. */
  changed: () => void;
  /** A pod was taken out of rotation (metric and log line). */
  ejected: (pod: PodRecord, reason: EjectionReason, forMs: number) => void;
  /** A pod that failed its health check answers again. */
  recovered: (pod: PodRecord) => void;
}

/**
 * Health of the pods as the router sees it: passive outlier ejection from request outcomes, and the results of
 * active /health checks. Both take a pod out of readiness, of least-loaded picking and of the metrics' ready pods.
 */
export class PodHealth {
  constructor(private readonly o: PodHealthOptions) {}

  succeeded(pod: PodRecord): void {
    pod.consecutiveFailures = 0;
    pod.ejections = 0;
  }

  /** An attempt at the pod failed before its first byte. A cancelled attempt says nothing about the pod. */
  failed(pod: PodRecord, failure: AttemptFailure): void {
    if (failure === 'aborted') return;
    pod.consecutiveFailures++;
    if (failure === 'connect') this.eject(pod, 'connect_error');
    else if (pod.consecutiveFailures >= this.o.consecutiveFailures) this.eject(pod, 'consecutive_failures');
  }

  /** The result of an active /health check. A failed one also moves the attempts waiting on the pod elsewhere. */
  checked(pod: PodRecord, ok: boolean): void {
    if (ok === !pod.checkFailing) return;
    pod.checkFailing = !ok;
    this.o.changed();
    if (ok) return this.o.recovered(pod);
    this.o.ejected(pod, 'health_check', 0);
    for (const attempt of pod.waiting) attempt.abort('pod_unhealthy');
  }

  private eject(pod: PodRecord, reason: EjectionReason): void {
    pod.ejections++;
    pod.consecutiveFailures = 0;
    const ms = Math.min(this.o.ejectMs * pod.ejections, this.o.maxEjectMs);
    pod.ejectedUntil = this.o.now() + ms;
    this.o.changed();
    this.o.ejected(pod, reason, ms);
  }
}
