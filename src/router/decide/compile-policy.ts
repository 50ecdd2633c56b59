import { isCelError, parse } from '@bufbuild/cel';
import type { CelInput } from '@bufbuild/cel';
import { adapterRoutes } from '../../api/v1alpha1/adapters.js';
import type { AdapterRoute } from '../../api/v1alpha1/adapters.js';
import { resolvePolicy } from '../../api/v1alpha1/defaults.js';
import type { ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import { meteredRule, RuleCostExceeded } from '../../api/v1alpha1/rule-cost.js';
import { checkRuleExpression } from '../../api/v1alpha1/rule-env.js';
import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import type { RuleBindings } from './bindings.js';
import { compileFastRule } from './fast-rule.js';
import { objectiveRoutingOf, type ObjectiveRouting } from './objective-routing.js';

export interface CompiledRule {
  name: string;
  mode: string;
  when: string;
  matches: (b: RuleBindings) => boolean;
  /** Runs as closures rather than through the CEL interpreter (see fast-rule.ts). */
  fast: boolean;
  /** Modes tried in order: the rule's, then the policy fallback, then the default. */
  chain: readonly string[];
}

export interface CompiledPolicy {
  /** `namespace/name`, the `policy` label of the metrics. */
  name: string;
  /** Changes with every policy edit; decisions say which version made them. */
  version: string;
  resolved: ResolvedPolicy;
  modeNames: readonly string[];
  rules: readonly CompiledRule[];
  defaultChain: readonly string[];
  /** Adapter modes by name: the model name they take upstream and the mode whose pods serve them. */
  adapters: Readonly<Record<string, AdapterRoute>>;
  /**
   * `request.domain` → the chain of the mode that lists it in `domains` (the first such mode): where a request goes
   * when no rule matched. Empty when no mode lists domains, and the classifier then never runs for the default.
   */
  domainChains: ReadonlyMap<string, readonly string[]>;
  /** Whether anything decides on `request.domain` (a rule names it, or a mode lists domains): else it is not classified. */
  readsDomain: boolean;
  /** Shortest context among the modes: what maxOutputTokens defaults from. */
  maxModelLen: number;
  /** Set with routing.strategy Objective: where no rule and no domain expert decides, the objective does. */
  objective?: ObjectiveRouting;
}

/** Context length assumed when a mode sets no maxModelLen (vLLM then uses the model's own; 8k is a safe floor). */
const DEFAULT_MAX_MODEL_LEN = 8192;

export class PolicyCompileError extends Error {
  constructor(readonly problems: string[]) {
    super(`policy rejected: ${problems.join('; ')}`);
    this.name = 'PolicyCompileError';
  }
}

function chainOf(first: string, resolved: ResolvedPolicy): string[] {
  return [...new Set([first, ...resolved.routing.fallback, resolved.routing.defaultMode])];
}

/** A rule the fast path does not cover: the CEL interpreter under the cost meter; an error (any) does not match. */
function interpreted(
  policy: string,
  rule: string,
  parsed: ReturnType<typeof parse>,
  options: CompileOptions,
): (b: RuleBindings) => boolean {
  const evaluate = meteredRule(parsed);
  return (b) => {
    const result = evaluate(b as unknown as Record<string, CelInput>);
    if (isCelError(result) && result.cause instanceof RuleCostExceeded) {
      options.onRuleCostExceeded?.({ policy, rule, reason: result.cause.message });
    }
    return result === true;
  };
}

/** `request.domain` or `request['domain']` in a rule's CEL. */
const READS_DOMAIN = /\brequest\s*(\.\s*domain\b|\[\s*['"]domain['"]\s*\])/;

function domainChainsOf(resolved: ResolvedPolicy): Map<string, readonly string[]> {
  const chains = new Map<string, readonly string[]>();
  for (const mode of resolved.modes) {
    for (const domain of mode.domains ?? []) if (!chains.has(domain)) chains.set(domain, chainOf(mode.name, resolved));
  }
  return chains;
}

/** The mode whose pods serve `mode`: its base for an adapter on another mode's pods, else itself. */
export function podsModeOf(policy: CompiledPolicy, mode: string): string {
  return policy.adapters[mode]?.podsOf ?? mode;
}

export interface CompileOptions {
  /**
   * Called when an evaluation of an interpreted rule stops at its cost limit (the rule then does not match): the
   * router counts and logs it.
   */
  onRuleCostExceeded?: (stopped: { policy: string; rule: string; reason: string }) => void;
}

/**
 * Compiles every rule once; request-time evaluation is then a closure call, metered where it runs through the CEL
 * interpreter (rule-cost.ts). Throws PolicyCompileError.
 */
export function compilePolicy(policy: InferenceModePolicy, options: CompileOptions = {}): CompiledPolicy {
  const resolved = resolvePolicy(policy);
  const name = `${resolved.namespace}/${resolved.name}`;
  const modeNames = resolved.modes.map((m) => m.name);
  const problems: string[] = [];
  const knownMode = (m: string, where: string) => {
    if (!modeNames.includes(m)) problems.push(`${where}: unknown mode "${m}"`);
  };
  knownMode(resolved.routing.defaultMode, 'routing.defaultMode');
  resolved.routing.fallback.forEach((m, i) => knownMode(m, `routing.fallback[${i}]`));
  const rules = resolved.routing.rules.map((rule, i): CompiledRule | undefined => {
    knownMode(rule.mode, `routing.rules[${i}] (${rule.name})`);
    const found = checkRuleExpression(rule.when, modeNames);
    if (found.length > 0) {
      problems.push(...found.map((p) => `routing.rules[${i}] (${rule.name}): ${p}`));
      return undefined;
    }
    const parsed = parse(rule.when);
    const fast = compileFastRule(parsed.expr);
    const matches = fast ?? interpreted(name, rule.name, parsed, options);
    return {
      name: rule.name,
      mode: rule.mode,
      when: rule.when,
      matches,
      fast: fast !== undefined,
      chain: chainOf(rule.mode, resolved),
    };
  });
  if (problems.length > 0) throw new PolicyCompileError(problems);
  const meta = policy.metadata;
  const domainChains = domainChainsOf(resolved);
  return {
    name,
    version: `${meta.generation ?? 0}/${meta.resourceVersion ?? ''}`,
    resolved,
    modeNames,
    rules: rules.filter((r): r is CompiledRule => r !== undefined),
    defaultChain: chainOf(resolved.routing.defaultMode, resolved),
    adapters: adapterRoutes(resolved.modes),
    domainChains,
    readsDomain: domainChains.size > 0 || resolved.routing.rules.some((r) => READS_DOMAIN.test(r.when)),
    maxModelLen: Math.min(...resolved.modes.map((m) => m.maxModelLen ?? DEFAULT_MAX_MODEL_LEN)),
    ...(resolved.routing.strategy === 'Objective' ? { objective: objectiveRoutingOf(resolved) } : {}),
  };
}
