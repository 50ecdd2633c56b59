import { ApiError, reasonForCode } from './errors.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface FailNextOptions {
  /** Only requests with this verb; any verb when omitted. */
  verb?: Verb;
  /** Only this resource: `deployments`, `deployments.apps`, or with a subresource `inferencemodepolicies/status`. */
  resource?: string;
  /** HTTP status code to answer, e.g. 500, 409, 429, 503. */
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  message?: string;
}

interface FaultRule extends FailNextOptions {
  remaining: number;
}

/** What the fault controls act on (wired to the watch hub and event log by the server). */
export interface FaultTargets {
  closeWatches(): void;
  compactEventLog(): void;
}

/** Test-controlled failures: failed requests, dropped watches, a compacted event log, added latency. */
export class Faults {
  private rules: FaultRule[] = [];
  private latency = 0;

  constructor(private readonly targets: FaultTargets) {}

  /** The next `times` requests matching verb/resource fail with `status` (a Kubernetes Status body). */
  failNext(options: FailNextOptions): void {
    this.rules.push({ ...options, remaining: options.times ?? 1 });
  }

  /** Closes every open watch stream, as a restarted API server or a broken connection would. */
  dropWatches(): void {
    this.targets.closeWatches();
  }

  /** Forgets the event log: watches resumed from any earlier resourceVersion get 410 Expired. */
  compact(): void {
    this.targets.compactEventLog();
  }

  /** Delay added before every request is handled. */
  setLatency(ms: number): void {
    this.latency = Math.max(0, ms);
  }

  latencyMs(): number {
    return this.latency;
  }

  /** Removes pending failures and latency. */
  reset(): void {
    this.rules = [];
    this.latency = 0;
  }

  /** The injected error for this request, if a rule matches (the rule's count goes down). */
  take(verb: Verb, resource: { plural: string; group: string; subresource: string | undefined }): ApiError | undefined {
    const names = new Set([resource.plural, `${resource.plural}.${resource.group}`]);
    if (resource.subresource) {
      for (const n of [...names]) names.add(`${n}/${resource.subresource}`);
      names.delete(resource.plural);
      names.delete(`${resource.plural}.${resource.group}`);
    }
    const rule = this.rules.find(
      (r) => r.remaining > 0 && (!r.verb || r.verb === verb) && (!r.resource || names.has(r.resource)),
    );
    if (!rule) return undefined;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    const message = rule.message ?? `injected fault: ${verb} ${resource.plural} answered ${rule.status}`;
    return new ApiError(
      rule.status,
      reasonForCode(rule.status),
      message,
      rule.status === 429 ? { retryAfterSeconds: 1 } : {},
    );
  }
}
