/**
 * Validates an InferenceModePolicy the way the API server does (schema, CEL rules, list-map keys) and more
 * (unknown fields, each routing rule's CEL expression), reporting every problem with its field path.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { isCelError, run } from '@bufbuild/cel';
import type { CelInput } from '@bufbuild/cel';
import { capacityProblems } from './capacity-validation.js';
import { engineFindings } from './engine-validation.js';
import type { Problem } from './problem.js';
import { checkRuleExpression } from './rule-env.js';
import { policySchema, type JsonSchema } from './schema.js';
import { API_VERSION, KIND, type InferenceModePolicy } from './types.js';

export type { Problem } from './problem.js';

export interface ValidationResult {
  /** Set when there are no problems. */
  policy?: InferenceModePolicy;
  problems: Problem[];
  /** What could not be checked (an image that does not say its vLLM release); the policy is still valid. */
  warnings?: Problem[];
}

/** Rejects fields the schema does not know, so a typo such as `quantisation` is reported instead of ignored. */
function closeObjects(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, closeObjects(v)]));
    if (schema.additionalProperties === undefined) out.additionalProperties = false;
  }
  if (schema.items) out.items = closeObjects(schema.items);
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addVocabulary([
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-preserve-unknown-fields',
]);
const validateSchema = ajv.compile(
  closeObjects({ ...policySchema, properties: { ...policySchema.properties, status: { type: 'object' } } }),
);

function pointerToPath(pointer: string): string {
  let path = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(key) ? `[${key}]` : path ? `.${key}` : key;
  }
  return path;
}

function joinPath(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

function schemaProblem(e: ErrorObject): Problem {
  const path = pointerToPath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: joinPath(path, String(e.params['additionalProperty'])), message: 'unknown field' };
    case 'required':
      return { path: joinPath(path, String(e.params['missingProperty'])), message: 'Required value' };
    case 'enum':
      return {
        path,
        message: `Unsupported value: must be one of ${(e.params['allowedValues'] as unknown[]).join(', ')}`,
      };
    default:
      return { path, message: `Invalid value: ${e.message ?? e.keyword}` };
  }
}

/** Walks data and schema together, applying what ajv does not know: CEL rules and list-map key uniqueness. */
function kubernetesRules(schema: JsonSchema, data: unknown, path: string, problems: Problem[]): void {
  if (data === undefined || data === null) return;
  for (const v of schema['x-kubernetes-validations'] ?? []) {
    const result = run(v.rule, { self: data as CelInput });
    if (isCelError(result) || result !== true) {
      const at = v.fieldPath ? joinPath(path, v.fieldPath.replace(/^\./, '')) : path || '<root>';
      problems.push({ path: at, message: isCelError(result) ? `${v.message} (${result.message})` : v.message });
    }
  }
  if (schema.type === 'array' && Array.isArray(data)) {
    const keys = schema['x-kubernetes-list-map-keys'];
    if (schema['x-kubernetes-list-type'] === 'map' && keys) {
      const seen = new Set<string>();
      data.forEach((item, i) => {
        const key = JSON.stringify(keys.map((k) => (item as Record<string, unknown>)?.[k]));
        if (seen.has(key)) problems.push({ path: `${path}[${i}]`, message: `Duplicate value: ${key.slice(1, -1)}` });
        seen.add(key);
      });
    }
    if (schema.items) data.forEach((item, i) => kubernetesRules(schema.items!, item, `${path}[${i}]`, problems));
    return;
  }
  if (schema.properties && typeof data === 'object') {
    for (const [key, sub] of Object.entries(schema.properties)) {
      kubernetesRules(sub, (data as Record<string, unknown>)[key], joinPath(path, key), problems);
    }
  }
}

function ruleExpressionProblems(policy: InferenceModePolicy): Problem[] {
  const modeNames = policy.spec.modes.map((m) => m.name);
  return (policy.spec.routing.rules ?? []).flatMap((r, i) =>
    checkRuleExpression(r.when, modeNames).map((message) => ({ path: `spec.routing.rules[${i}].when`, message })),
  );
}

export function validatePolicy(obj: unknown): ValidationResult {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return { problems: [{ path: '<root>', message: 'a policy must be a YAML or JSON object' }] };
  }
  const o = obj as Record<string, unknown>;
  const problems: Problem[] = [];
  if (o['apiVersion'] !== API_VERSION) problems.push({ path: 'apiVersion', message: `must be ${API_VERSION}` });
  if (o['kind'] !== KIND) problems.push({ path: 'kind', message: `must be ${KIND}` });
  if (typeof (o['metadata'] as Record<string, unknown> | undefined)?.['name'] !== 'string') {
    problems.push({ path: 'metadata.name', message: 'Required value' });
  }
  if (!validateSchema(obj)) {
    problems.push(...(validateSchema.errors ?? []).map(schemaProblem));
    return { problems };
  }
  kubernetesRules(policySchema, obj, '', problems);
  if (problems.length > 0) return { problems };
  const policy = obj as unknown as InferenceModePolicy;
  problems.push(...ruleExpressionProblems(policy));
  problems.push(...capacityProblems(policy));
  const engine = engineFindings(policy);
  problems.push(...engine.problems);
  return problems.length > 0
    ? { problems, warnings: engine.warnings }
    : { policy, problems, warnings: engine.warnings };
}

/** One line per problem, as `validate` prints them and as the PolicyValid condition carries them. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('; ');
}
