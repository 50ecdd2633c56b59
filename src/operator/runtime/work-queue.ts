import type { Clock } from '../../kube/clock.js';
import { ItemBackoff, TokenBucket } from './rate-limit.js';

export interface WorkQueueOptions {
  clock: Clock;
  /** First retry delay of a failing key; doubles per failure. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Global limit on rate-limited re-adds. */
  qps?: number;
  burst?: number;
}

/**
 * client-go's DefaultControllerRateLimiter: per-key exponential backoff from 5 ms to 1000 s, and a global token
 * bucket of 10 re-adds per second with a burst of 100 (k8s.io/client-go/util/workqueue/default_rate_limiters.go).
 */
export const DEFAULT_QUEUE_BACKOFF = { baseDelayMs: 5, maxDelayMs: 1_000_000, qps: 10, burst: 100 } as const;

/**
 * A keyed work queue in the manner of client-go's: a key queued twice is processed once, a key is never handed
 * to two workers at once (an add while it is processed is kept and handed out after done()), failures back off
 * per key, and shutDown() lets queued and in-flight work finish.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys that need processing: queued, or added again while being processed. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; cancel: () => void }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly drained: (() => void)[] = [];
  private readonly backoff: ItemBackoff;
  private readonly bucket: TokenBucket;
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions) {
    const d = DEFAULT_QUEUE_BACKOFF;
    this.backoff = new ItemBackoff({
      baseDelayMs: options.baseDelayMs ?? d.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? d.maxDelayMs,
    });
    this.bucket = new TokenBucket({ qps: options.qps ?? d.qps, burst: options.burst ?? d.burst, clock: options.clock });
  }

  /** Keys waiting to be handed out (not counting delayed or in-flight ones). */
  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) this.handOut(key, waiter);
    else this.queue.push(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.options.clock.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.options.clock.setTimer(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { at, cancel });
  }

  /** Re-adds a key that failed, after the larger of its own backoff and the global rate limit. */
  addRateLimited(key: string): void {
    this.addAfter(key, Math.max(this.backoff.next(key), this.bucket.reserve()));
  }

  /** Clears a key's failure count after it was processed successfully. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  retries(key: string): number {
    return this.backoff.retries(key);
  }

  /** The next key to process, or undefined once the queue is shut down and empty. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key handed out by get() as finished; if it was added meanwhile it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      const waiter = this.waiters.shift();
      if (waiter) this.handOut(key, waiter);
      else this.queue.push(key);
    }
    this.checkDrained();
  }

  /**
   * Stops accepting keys, drops queued keys and delayed retries, and resolves when in-flight keys are done (client-go's
   * ShutDownWithDrain). Queued work is not finished: a standby never would, and a leader that is stopping or has
   * lost its lease must not keep writing; whoever leads next lists every policy anew.
   */
  shutDown(): Promise<void> {
    this.shuttingDown = true;
    for (const { cancel } of this.delayed.values()) cancel();
    this.delayed.clear();
    this.queue.splice(0);
    this.dirty.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    return new Promise((resolve) => {
      this.drained.push(resolve);
      this.checkDrained();
    });
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private handOut(key: string, waiter: (key: string | undefined) => void): void {
    waiter(this.take(key));
  }

  private checkDrained(): void {
    if (!this.shuttingDown || this.queue.length > 0 || this.processing.size > 0) return;
    for (const resolve of this.drained.splice(0)) resolve();
  }
}
