import { parseYamlDocuments, yamlErrorLines } from '../../api/v1alpha1/policy-yaml.js';
import { formatProblems, validatePolicy } from '../../api/v1alpha1/validation.js';
import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';

/** Parses and validates policy file text as the API server would; every problem is reported at once. */
export function parsePolicyText(path: string, text: string): InferenceModePolicy {
  const docs = parseYamlDocuments(path, text);
  const errors = yamlErrorLines(docs);
  if (errors.length > 0) throw new Error(`not valid YAML: ${errors.join('; ')}`);
  if (docs.length !== 1) throw new Error(`${path}: holds ${docs.length} YAML documents, not one policy`);
  const { policy, problems } = validatePolicy(docs[0]!.value);
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
