import type { Abortable, Endpoint, PodRecord } from './endpoint.js';

/** The current pods of every mode. Updates keep the record of a URL that stays, so in-flight counts carry over. */
export class PodRegistry {
  private byMode = new Map<string, PodRecord[]>();
  /** By `namespace/pod`, and by `*\/pod` for endpoints that name no namespace: dcgm-exporter's join keys. */
  private byPod = new Map<string, PodRecord>();
  private version = 0;

  /**
   * Replaces every mode's pods with `endpoints`, the complete set every discovery source sends: a mode it no longer
   * names (removed from the policy) is dropped, so its pods are neither scraped nor routed to.
   */
  update(endpoints: ReadonlyMap<string, readonly Endpoint[]>): void {
    const byMode = new Map<string, PodRecord[]>();
    for (const [mode, list] of endpoints) {
      const old = new Map((this.byMode.get(mode) ?? []).map((p) => [p.url, p]));
      const next = list.map((e) => {
        const prior = old.get(e.url);
        if (!prior)
          return {
            ...e,
            inFlight: 0,
            ejectedUntil: 0,
            consecutiveFailures: 0,
            ejections: 0,
            checkFailing: false,
            waiting: new Set<Abortable>(),
          };
        prior.ready = e.ready;
        prior.pod = e.pod;
        prior.namespace = e.namespace;
        return prior;
      });
      byMode.set(mode, next);
    }
    this.byMode = byMode;
    this.byPod = new Map();
    for (const p of this.all()) {
      if (!p.pod) continue;
      if (p.namespace !== undefined) this.byPod.set(`${p.namespace}/${p.pod}`, p);
      this.byPod.set(`*/${p.pod}`, p);
    }
    this.version++;
  }

  /** Changes whenever the set changes; views cache on it. */
  get generation(): number {
    return this.version;
  }

  pods(mode: string): readonly PodRecord[] {
    return this.byMode.get(mode) ?? [];
  }

  all(): PodRecord[] {
    return [...this.byMode.values()].flat();
  }

  /** The pod a dcgm-exporter reading names (the namespace may be unknown on either side). */
  byPodName(namespace: string | undefined, pod: string): PodRecord | undefined {
    return (namespace === undefined ? undefined : this.byPod.get(`${namespace}/${pod}`)) ?? this.byPod.get(`*/${pod}`);
  }

  /** Marks a change to a pod's health, so views built on the old state are rebuilt. */
  touch(): void {
    this.version++;
  }
}
