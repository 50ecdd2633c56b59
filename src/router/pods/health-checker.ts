import type { PodRecord } from './endpoint.js';
import type { PodHealth } from './pod-health.js';

/** GETs a URL; resolves true for a 2xx answer within `timeoutMs`, false otherwise. Never rejects. */
export type Probe = (url: string, timeoutMs: number) => Promise<boolean>;

export interface HealthCheckerOptions {
  pods: () => readonly PodRecord[];
  health: PodHealth;
  probe: Probe;
  intervalMs: number;
  timeoutMs: number;
}

/** Active health checks: every pod's vLLM `/health`, once per interval, off the request path. */
export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly o: HealthCheckerOptions) {}

  /** Checks every pod once (so readiness is true from the start), then keeps checking in the background. */
  async start(): Promise<void> {
    await this.checkOnce();
    const tick = () => {
      this.running = this.checkOnce().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.o.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.o.intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async checkOnce(): Promise<void> {
    await Promise.all(
      this.o.pods().map(async (pod) => {
        const ok = await this.o.probe(`${pod.url}/health`, this.o.timeoutMs);
        this.o.health.checked(pod, ok);
      }),
    );
  }
}
