import type { Logger } from '../observability/logger.js';
import { sleep, type Clock } from './clock.js';
import { isConflict, type KubeClient, type KubeObject } from './types.js';

export interface LeaderElectorOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  /** Unique per candidate, usually the pod name. */
  identity: string;
  /** How long others wait after the last renewal before taking over. */
  leaseDurationMs?: number;
  /** The leader gives up if it could not renew for this long (must be shorter than the lease duration). */
  renewDeadlineMs?: number;
  /** How often candidates try to acquire and the leader renews. */
  retryPeriodMs?: number;
  clock: Clock;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/**
 * Lease-based leader election (coordination.k8s.io/v1) as client-go does it. Every write is conditional on the
 * resourceVersion read just before, so two candidates can never both succeed; a lease counts as expired only
 * after this candidate has seen it unchanged for leaseDuration on its own clock, so clock skew between nodes
 * does not matter.
 */
export class LeaderElector {
  private readonly stopController = new AbortController();
  private leading = false;
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectorOptions) {}

  isLeader(): boolean {
    return this.leading;
  }

  /** The current holder as last seen, or undefined. */
  leader(): string | undefined {
    return this.observed?.holder || undefined;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stops campaigning and, when leading, releases the lease so another candidate takes over at once. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.running;
    if (this.leading) {
      await this.release();
      this.setLeading(false);
    }
  }

  private get durations() {
    const leaseDurationMs = this.options.leaseDurationMs ?? 15_000;
    return {
      leaseDurationMs,
      renewDeadlineMs: this.options.renewDeadlineMs ?? 10_000,
      retryPeriodMs: this.options.retryPeriodMs ?? 2_000,
    };
  }

  private async run(): Promise<void> {
    const { clock } = this.options;
    const { renewDeadlineMs, retryPeriodMs } = this.durations;
    let lastRenew = 0;
    while (!this.stopController.signal.aborted) {
      // A lease call that hangs must not keep a leader leading past its deadline: it counts as a failed renewal.
      const ok = await orFalseAfter(clock, renewDeadlineMs, this.tryAcquireOrRenew());
      if (this.stopController.signal.aborted) {
        // Won the lease just as stop() was called: give it back, or the others wait out its whole duration.
        if (ok && !this.leading) await this.release();
        break;
      }
      if (ok) {
        lastRenew = clock.now();
        if (!this.leading) this.setLeading(true);
      } else if (this.leading && clock.now() - lastRenew >= renewDeadlineMs) {
        this.options.logger.error('could not renew the lease in time; giving up leadership', {
          lease: this.options.name,
        });
        this.setLeading(false);
      }
      // Jitter keeps standby candidates from polling in lockstep; the leader renews on the exact period.
      const wait = this.leading ? retryPeriodMs : retryPeriodMs * (1 + 0.2 * Math.random());
      await sleep(clock, wait, this.stopController.signal);
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.options.logger.info(leading ? 'became leader' : 'stopped leading', {
      lease: this.options.name,
      identity: this.options.identity,
    });
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, logger } = this.options;
    const now = this.timestamp();
    try {
      const lease = await client.get<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name });
      if (!lease) {
        await client.create(
          this.leaseObject(undefined, {
            holderIdentity: identity,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          }),
        );
        this.observe(identity, now);
        return true;
      }
      const spec = lease.spec ?? {};
      this.observe(spec.holderIdentity ?? '', spec.renewTime ?? '');
      const holder = spec.holderIdentity ?? '';
      if (holder && holder !== identity && !this.expired(spec)) return false;
      const takingOver = holder !== identity;
      const next: LeaseSpec = {
        holderIdentity: identity,
        acquireTime: takingOver ? now : (spec.acquireTime ?? now),
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver && holder ? 1 : 0),
      };
      await client.replace(this.leaseObject(lease, next));
      this.observe(identity, now);
      return true;
    } catch (err) {
      // A conflict means another candidate wrote first; anything else is an API problem. Either way: not us, now.
      if (!isConflict(err)) logger.warn('lease update failed', { lease: name, error: String(err) });
      return false;
    }
  }

  private observe(holder: string, renewTime: string): void {
    if (this.observed?.holder === holder && this.observed.renewTime === renewTime) return;
    this.observed = { holder, renewTime, at: this.options.clock.now() };
  }

  private expired(spec: LeaseSpec): boolean {
    const durationMs = (spec.leaseDurationSeconds ?? this.durations.leaseDurationMs / 1000) * 1000;
    return (this.observed?.at ?? 0) + durationMs <= this.options.clock.now();
  }

  private async release(): Promise<void> {
    const { client, namespace, name, identity, logger } = this.options;
    try {
      const lease = await client.get<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name });
      if (!lease || lease.spec?.holderIdentity !== identity) return;
      // An empty holder and a 1 s duration let the next candidate take over on its next try.
      await client.replace(
        this.leaseObject(lease, {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: this.timestamp(),
        }),
      );
    } catch (err) {
      logger.warn('could not release the lease; others take over once it expires', { lease: name, error: String(err) });
    }
  }

  private leaseObject(existing: Lease | undefined, spec: LeaseSpec): Lease {
    const { namespace, name } = this.options;
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...(existing?.metadata ?? {}), name, namespace },
      spec: { leaseDurationSeconds: Math.ceil(this.durations.leaseDurationMs / 1000), ...spec },
    };
  }

  /** MicroTime as the API server writes it. */
  private timestamp(): string {
    return new Date(this.options.clock.now()).toISOString().replace('Z', '000Z');
  }
}

/** The attempt's result, or false if it has not settled within `ms`; the timer is cleared either way. */
function orFalseAfter(clock: Clock, ms: number, attempt: Promise<boolean>): Promise<boolean> {
  return new Promise((resolve) => {
    const cancel = clock.setTimer(() => resolve(false), ms);
    attempt.then(
      (ok) => {
        cancel();
        resolve(ok);
      },
      () => {
        cancel();
        resolve(false);
      },
    );
  });
}
