import { createEngineCore, type EngineCore } from '../../sim/engine/core.js';
import type { ModeProfile } from '../../model/types.js';

/** One replica of a mode in a fleet that scales: it loads (drawing idle power) before it serves. */
export interface ScalingPod {
  index: number;
  mode: string;
  core: EngineCore;
  inFlight: number;
  startedAt: number;
  readyAt: number;
  /** Asked to go: takes no new requests, stops when its last one finishes. */
  draining: boolean;
  stoppedAt?: number;
}

export interface ScalingMode {
  name: string;
  profile: ModeProfile;
  /** Seconds from asking for a replica to it serving (cold start: process, weights, compile, CUDA graphs). */
  startSeconds: number;
}

export interface ScalingPoolOptions {
  gpu: string;
  model: string;
  modes: readonly ScalingMode[];
  seed: number;
}

/** Asked for and not asked to go: loading or serving. */
function isLive(p: ScalingPod): boolean {
  return p.stoppedAt === undefined && !p.draining;
}

/**
 * The pods of every mode over a replay. A pod counts energy and GPU time from when it is asked for until it stops;
 * a GPU scaled away draws nothing from the pool (it is released to other work or powered down).
 */
export class ScalingPool {
  private readonly all: ScalingPod[] = [];
  private readonly modes: Map<string, ScalingMode>;

  constructor(private readonly options: ScalingPoolOptions) {
    this.modes = new Map(options.modes.map((m) => [m.name, m]));
  }

  /** Every pod that ever ran, stopped ones included. */
  pods(): readonly ScalingPod[] {
    return this.all;
  }

  private live(mode: string): ScalingPod[] {
    return this.all.filter((p) => p.mode === mode && isLive(p));
  }

  /** Pods of a mode that serve now. */
  ready(mode: string, now: number): ScalingPod[] {
    return this.live(mode).filter((p) => p.readyAt <= now);
  }

  /** Pods of every mode that serve now. */
  allReady(now: number): ScalingPod[] {
    return this.all.filter((p) => isLive(p) && p.readyAt <= now);
  }

  /** Replicas asked for (ready and starting), and how many of them serve. */
  count(mode: string, now: number): { replicas: number; ready: number } {
    const live = this.live(mode);
    return { replicas: live.length, ready: live.filter((p) => p.readyAt <= now).length };
  }

  /** Pre-warmed replicas at the start of a replay: ready at once. */
  addReady(mode: string, now: number, n: number): void {
    for (let i = 0; i < n; i += 1) this.add(mode, now, now);
  }

  private add(mode: string, now: number, readyAt: number): void {
    const index = this.all.length;
    const core = createEngineCore({
      gpu: this.options.gpu,
      model: this.options.model,
      mode: this.spec(mode).profile,
      seed: this.options.seed * 1000 + index,
      startTime: now,
    });
    this.all.push({ index, mode, core, inFlight: 0, startedAt: now, readyAt, draining: false });
  }

  private spec(mode: string): ScalingMode {
    const m = this.modes.get(mode);
    if (!m) throw new Error(`no mode "${mode}" in this fleet`);
    return m;
  }

  /** Scales a mode: new pods start loading; going down cancels starting pods first, then drains the least loaded. */
  setReplicas(mode: string, replicas: number, now: number): void {
    const live = this.live(mode);
    for (let i = live.length; i < replicas; i += 1) this.add(mode, now, now + this.spec(mode).startSeconds);
    if (replicas >= live.length) return;
    const order = [...live].sort(
      (a, b) => Number(a.readyAt <= now) - Number(b.readyAt <= now) || a.inFlight - b.inFlight,
    );
    for (const pod of order.slice(0, live.length - replicas)) {
      pod.draining = true;
      if (pod.inFlight === 0) this.stop(pod, now);
    }
  }

  /** Moves every running pod's clock to `t`; a draining pod whose last request finished stops. */
  advanceTo(t: number): void {
    for (const p of this.all) {
      if (p.stoppedAt !== undefined) continue;
      p.core.advanceTo(t);
      if (p.draining && p.inFlight === 0) this.stop(p, t);
    }
  }

  /** Its energy and GPU time end here. */
  private stop(pod: ScalingPod, t: number): void {
    pod.core.advanceTo(t);
    pod.stoppedAt = t;
  }

  /** Runs every pod with requests left to completion, then stops all pods at the last completion. */
  finish(): number {
    for (const p of this.all) if (p.stoppedAt === undefined) p.core.runUntilIdle();
    const end = Math.max(...this.all.filter((p) => p.stoppedAt === undefined).map((p) => p.core.now()), 0);
    for (const p of this.all) if (p.stoppedAt === undefined) this.stop(p, end);
    return end;
  }
}
