import type { CompiledPolicy } from './compile-policy.js';
import type { RuleBindings } from './bindings.js';
import type { PodView } from './pod-view.js';
import { pickPod } from './pick-pod.js';
import type { RejectReason } from './pick-pod.js';

export const DEFAULT_RULE = 'default';

export interface FallbackStep {
  from: string;
  to: string;
  reason: RejectReason;
  detail: string;
}

export interface Decision {
  policy: string;
  policyVersion: string;
  /** The rule that matched, or `default`. */
  rule: string;
  /** The mode that rule asked for. */
  requestedMode: string;
  /** The mode that serves the request; undefined when every mode of the chain was rejected. */
  mode?: string;
  pod?: PodView;
  /** Empty unless guards or health moved the decision. */
  fallbacks: FallbackStep[];
}

export interface DecideInput {
  policy: CompiledPolicy;
  bindings: RuleBindings;
  pods: ReadonlyMap<string, readonly PodView[]>;
  /** Pod URLs that already failed this request (retry before the first byte). */
  exclude?: ReadonlySet<string>;
}

const NO_PODS: readonly PodView[] = [];

/** First matching rule picks a mode; guards and pod health walk the fallback chain. Pure. */
export function decide(input: DecideInput): Decision {
  const { policy, bindings, pods, exclude } = input;
  let rule = DEFAULT_RULE;
  let chain = policy.defaultChain;
  for (const r of policy.rules) {
    if (r.matches(bindings)) {
      rule = r.name;
      chain = r.chain;
      break;
    }
  }
  const requestedMode = chain[0] as string;
  const decision: Decision = { policy: policy.name, policyVersion: policy.version, rule, requestedMode, fallbacks: [] };
  const guards = policy.resolved.routing.guards;
  for (let i = 0; i < chain.length; i++) {
    const mode = chain[i] as string;
    const picked = pickPod(pods.get(mode) ?? NO_PODS, guards, exclude);
    if ('record' in picked) {
      decision.mode = mode;
      decision.pod = picked;
      return decision;
    }
    decision.fallbacks.push({ from: mode, to: chain[i + 1] ?? '', reason: picked.reason, detail: picked.detail });
  }
  return decision;
}

/** One sentence a person can read: why this mode. Pod names only with `showPod` (they are internal to the cluster). */
export function explain(d: Decision, showPod = false): string {
  const start = d.rule === DEFAULT_RULE ? `no rule matched, default mode ${d.requestedMode}` : `rule "${d.rule}" matched → ${d.requestedMode}`;
  const moves = d.fallbacks.map((f) => `${f.from} skipped (${f.detail})${f.to ? ` → ${f.to}` : ''}`);
  const end = d.mode ? `served by ${d.mode}${showPod && d.pod ? ` on ${d.pod.record.pod ?? d.pod.record.url}` : ''}` : 'no mode can serve it';
  return [start, ...moves, end].join('; ');
}
