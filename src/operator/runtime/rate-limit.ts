import type { Clock } from '../../kube/clock.js';

export interface ItemBackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Per-key exponential backoff: base * 2^failures, capped; forget() resets a key after a success. */
export class ItemBackoff {
  private readonly failures = new Map<string, number>();

  constructor(private readonly options: ItemBackoffOptions) {}

  next(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(n, 30));
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

export interface TokenBucketOptions {
  /** Sustained rate, tokens per second. */
  qps: number;
  /** Tokens available at once. */
  burst: number;
  clock: Clock;
}

/** Global token bucket shared by every key, so a storm of failures cannot hammer the API server. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly options: TokenBucketOptions) {
    this.tokens = options.burst;
    this.last = options.clock.now();
  }

  /** Takes one token and returns how long (ms) the caller must wait for it. */
  reserve(): number {
    const now = this.options.clock.now();
    this.tokens = Math.min(this.options.burst, this.tokens + ((now - this.last) / 1000) * this.options.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.options.qps) * 1000);
  }
}
