import type { CompiledPolicy } from './compile-policy.js';
import type { RuleBindings } from './bindings.js';
import type { PodView } from './pod-view.js';
import type { ObjectivePrediction } from './objective.js';
import { objectiveChoice, type LiveModeModel } from './objective-routing.js';
import { pickPod, podLoad } from './pick-pod.js';
import type { RejectReason } from './pick-pod.js';

import type { AdapterRoute } from '../../api/v1alpha1/adapters.js';

export const DEFAULT_RULE = 'default';
/** The rule name of a decision no rule made, sent to the mode that lists the request's domain in `domains`. */
export const DOMAIN_RULE = 'domain';
/** The rule name of a decision the objective made (routing.strategy Objective; no rule or domain expert decided). */
export const OBJECTIVE_RULE = 'objective';

export interface FallbackStep {
  from: string;
  to: string;
  reason: RejectReason;
  detail: string;
}

export interface Decision {
  policy: string;
  policyVersion: string;
  /** The rule that matched; `domain` when none did and a mode lists the request's domain; else `default`. */
  rule: string;
  /** The request's domain, when it chose the mode (rule `domain`). */
  domain?: string;
  /** The objective's reason, when it chose the mode (rule `objective`). */
  objective?: string;
  /**
   * A mode the request was meant for but could not use, demand the capacity planner reads: the objective's preferred
   * mode when cold or past the SLO, or the mode a rule (or the default) asked for when it had no ready pod.
   */
  wanted?: string;
  /** What the objective's model predicts for the request on the mode it chose (rule `objective`). */
  predicted?: ObjectivePrediction;
  /** The mode that rule asked for. */
  requestedMode: string;
  /** The mode that serves the request; undefined when every mode of the chain was rejected. */
  mode?: string;
  pod?: PodView;
  /** Sequences on `pod` with this request, when it was picked: the batch the request joins. */
  batch?: number;
  /** Set when `mode` is a LoRA adapter mode: the model name written upstream and the mode whose pods serve it. */
  adapter?: AdapterRoute;
  /** Empty unless guards or health moved the decision. */
  fallbacks: FallbackStep[];
}

export interface DecideInput {
  policy: CompiledPolicy;
  bindings: RuleBindings;
  pods: ReadonlyMap<string, readonly PodView[]>;
  /** Pod URLs that already failed this request (retry before the first byte). */
  exclude?: ReadonlySet<string>;
  /** Accuracy points this request may lose under objective routing (the caller's QualityLedger); 0 when absent. */
  qualityAllowance?: number;
  /** Modes' models as the router has refitted them from their pods; the policy's seeds stand in for the rest. */
  liveModels?: ReadonlyMap<string, LiveModeModel>;
}

const NO_PODS: readonly PodView[] = [];

/**
 * First matching rule picks a mode; when none matches, the mode listing the request's domain (an expert, such as a
 * LoRA adapter) does, else the objective (routing.strategy Objective), else the default. Guards and pod health walk
 * the fallback chain. Pure.
 */
export function decide(input: DecideInput): Decision {
  const { policy, bindings, pods, exclude } = input;
  let rule = DEFAULT_RULE;
  let chain = policy.defaultChain;
  let domain: string | undefined;
  for (const r of policy.rules) {
    if (r.matches(bindings)) {
      rule = r.name;
      chain = r.chain;
      break;
    }
  }
  // Read only when some mode lists domains: the classifier behind request.domain is the costliest feature.
  if (rule === DEFAULT_RULE && policy.domainChains.size > 0) {
    const expert = policy.domainChains.get(bindings.request.domain);
    if (expert) {
      rule = DOMAIN_RULE;
      chain = expert;
      domain = bindings.request.domain;
    }
  }
  const guards = policy.resolved.routing.guards;
  const chosen =
    rule === DEFAULT_RULE && policy.objective
      ? objectiveChoice(
          policy.objective,
          bindings.request,
          Number(bindings.request.inputTokens),
          pods,
          guards,
          input.qualityAllowance ?? 0,
          exclude,
          input.liveModels,
        )
      : undefined;
  if (chosen) {
    rule = OBJECTIVE_RULE;
    chain = [...new Set([chosen.mode, ...chain])];
  }
  const requestedMode = chain[0] as string;
  const decision: Decision = { policy: policy.name, policyVersion: policy.version, rule, requestedMode, fallbacks: [] };
  if (domain !== undefined) decision.domain = domain;
  if (chosen) {
    decision.objective = chosen.reason;
    decision.predicted = chosen.predicted;
    if (chosen.wanted !== undefined) decision.wanted = chosen.wanted;
  }
  for (let i = 0; i < chain.length; i++) {
    const mode = chain[i] as string;
    const picked = pickPod(pods.get(mode) ?? NO_PODS, guards, exclude);
    if ('record' in picked) {
      decision.mode = mode;
      decision.pod = picked;
      decision.batch = podLoad(picked) + 1;
      const adapter = policy.adapters[mode];
      if (adapter) decision.adapter = adapter;
      return decision;
    }
    decision.fallbacks.push({ from: mode, to: chain[i + 1] ?? '', reason: picked.reason, detail: picked.detail });
    // A mode scaled to zero wakes only on demand it is told about: the rule's (or default's) own mode, cold.
    if (i === 0 && picked.reason === 'no_ready_pod' && decision.wanted === undefined) decision.wanted = mode;
  }
  return decision;
}

/** `predicted TTFT 0.012 s, 2.1 ms/token, 0.071 J/token at batch 3`. */
export function describePrediction(p: ObjectivePrediction): string {
  return (
    `predicted TTFT ${p.ttftSeconds.toFixed(3)} s, ${(p.interTokenSeconds * 1000).toFixed(1)} ms/token,` +
    ` ${p.joulesPerToken.toFixed(3)} J/token at batch ${p.batch}`
  );
}

/** One sentence a person can read: why this mode. Pod names only with `showPod` (they are internal to the cluster). */
export function explain(d: Decision, showPod = false): string {
  const start =
    d.domain !== undefined
      ? `no rule matched, request.domain "${d.domain}" → its expert ${d.requestedMode}`
      : d.rule === DEFAULT_RULE
        ? `no rule matched, default mode ${d.requestedMode}`
        : d.rule === OBJECTIVE_RULE
          ? `no rule matched, objective → ${d.requestedMode} (${d.objective ?? ''}${d.predicted ? `: ${describePrediction(d.predicted)}` : ''}${d.wanted ? `; preferred ${d.wanted}, counted as wanted` : ''})`
          : `rule "${d.rule}" matched → ${d.requestedMode}`;
  const wanted = d.wanted !== undefined && d.rule !== OBJECTIVE_RULE ? [`${d.wanted} counted as wanted`] : [];
  const moves = d.fallbacks.map((f) => `${f.from} skipped (${f.detail})${f.to ? ` → ${f.to}` : ''}`);
  const pod = showPod && d.pod ? ` on ${d.pod.record.pod ?? d.pod.record.url}` : '';
  const adapter = d.adapter
    ? ` (LoRA adapter "${d.adapter.upstreamModel}" on ${d.adapter.podsOf === d.mode ? 'its own' : `${d.adapter.podsOf}'s`} pods)`
    : '';
  const end = d.mode ? `served by ${d.mode}${adapter}${pod}` : 'no mode can serve it';
  return [start, ...moves, ...wanted, end].join('; ');
}
