import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import { TokenCounter } from '../../router/classify/token-counter.js';
import { RouterCore } from '../../router/core/router-core.js';
import { compilePolicy, type CompiledPolicy } from '../../router/decide/compile-policy.js';
import type { Routed } from '../../router/decide/routed.js';
import type { Endpoint, PodRecord } from '../../router/pods/endpoint.js';
import { PodRegistry } from '../../router/pods/pod-registry.js';
import { TelemetryStore } from '../../router/telemetry/telemetry-store.js';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';
import { CHARS_PER_TOKEN, routerRequestOf } from '../fleet/router-request.js';
import { podIdentity, type ReplayPod } from './telemetry-feed.js';

/** The router's default window of its energy-per-token reading. */
const ENERGY_WINDOW_MS = 30_000;

/** A decision of the router's own code, with the simulated pod it picked (none when every mode was rejected). */
export interface ReplayRouted<P> extends Routed {
  pod?: P;
}

/**
 * The router's request path as a replay drives it: one RouterCore (classify, mode view, decide, the objective's
 * quality ledger and live models) over a PodRegistry listing the simulated pods and a TelemetryStore the replay feeds
 * as the scraper would. Time is the replay's: `route` sets the clock the core reads.
 */
export class ReplayRouter<P extends ReplayPod> {
  readonly registry = new PodRegistry();
  readonly store: TelemetryStore;
  readonly core: RouterCore;
  readonly policy: CompiledPolicy;
  private clock = 0;
  private byUrl = new Map<string, P>();
  private records = new Map<string, PodRecord>();
  private modeOfPod = new Map<string, string>();
  private listed = '';

  constructor(policy: InferenceModePolicy, energyWindowMs = ENERGY_WINDOW_MS) {
    this.policy = compilePolicy(policy);
    this.store = new TelemetryStore({
      modeOfPod: (_ns, pod) => this.modeOfPod.get(pod),
      onEnergy: () => undefined,
      energyWindowMs,
    });
    // The trace's prompt lengths are counted; the ratio only turns a shared prefix's characters into tokens.
    const tokens = new TokenCounter({ tokenizeBelowChars: 0, initialCharsPerToken: CHARS_PER_TOKEN });
    this.core = new RouterCore({ registry: this.registry, store: this.store, now: () => this.clock, tokens });
    this.core.setPolicy(this.policy);
  }

  /** Lists `pods` (all ready) as the registry's, as discovery would; records of pods that stay keep their counts. */
  setPods(pods: readonly P[]): void {
    const listed = pods.map((p) => p.index).join(',');
    if (listed === this.listed) return;
    const endpoints = new Map<string, Endpoint[]>();
    for (const p of pods) {
      const id = podIdentity(p);
      endpoints.set(p.mode, [...(endpoints.get(p.mode) ?? []), { ...id, mode: p.mode, ready: true }]);
    }
    const unknown = [...endpoints.keys()].filter((m) => !this.policy.modeNames.includes(m));
    if (unknown.length > 0) throw new Error(`the fleet runs modes the policy does not have: ${unknown.join(', ')}`);
    this.registry.update(endpoints);
    // As the router does on every discovery update: readings of pods that left go with them.
    this.store.retain(this.registry.all());
    this.byUrl = new Map(pods.map((p) => [podIdentity(p).url, p]));
    this.modeOfPod = new Map(pods.map((p) => [podIdentity(p).pod, p.mode]));
    this.records = new Map(this.registry.all().map((r) => [r.url, r]));
    this.listed = listed;
  }

  /** The registry's record of a listed pod: its in-flight count is what the router balances on. */
  recordOf(pod: P): PodRecord {
    const url = podIdentity(pod).url;
    const record = this.records.get(url);
    if (!record) throw new Error(`pod ${url} is not listed`);
    return record;
  }

  /** Routes a workload request at `nowMs` through RouterCore.route, as the router routes a request that arrives. */
  route(request: WorkloadRequest, nowMs: number): ReplayRouted<P> {
    this.clock = nowMs;
    const routed = this.core.route(this.policy, routerRequestOf(request, this.policy.resolved.model));
    const url = routed.decision.pod?.record.url;
    const pod = url === undefined ? undefined : this.byUrl.get(url);
    return pod ? { ...routed, pod } : routed;
  }
}
