import { parse } from 'yaml';
import { formatProblems, validatePolicy } from '../../api/v1alpha1/validation.js';
import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';

/** Parses and validates policy file text as the API server would; every problem is reported at once. */
export function parsePolicyText(path: string, text: string): InferenceModePolicy {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid YAML: ${(err as Error).message}`);
  }
  const { policy, problems } = validatePolicy(raw);
  if (!policy) throw new Error(`${path}: the policy is invalid: ${formatProblems(problems)}`);
  return policy;
}

/** A standalone policy file, validated as the API server would; every problem is reported at once. */
export function loadPolicyFile(path: string, readFile: (p: string) => string): InferenceModePolicy {
  return parsePolicyText(path, readFile(path));
}

/** Endpoints must name modes of the policy: a pod of a mode the policy lacks could never be routed to. */
export function checkEndpointModes(policy: InferenceModePolicy, endpoints: Record<string, readonly string[]>): void {
  const modes = policy.spec.modes.map((m) => m.name);
  const unknown = Object.keys(endpoints).filter((m) => !modes.includes(m));
  if (unknown.length > 0)
    throw new Error(
      `endpoints name modes the policy does not have: ${unknown.join(', ')} (modes: ${modes.join(', ')})`,
    );
}
