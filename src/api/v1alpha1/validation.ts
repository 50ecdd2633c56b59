/**
 * Validates an InferenceModePolicy the way the API server does (schema, CEL rules, list-map keys) and more
 * (unknown fields, each routing rule's CEL expression), reporting every problem with its field path.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { isCelError, parse, run } from '@bufbuild/cel';
import type { CelInput } from '@bufbuild/cel';
import { capacityProblems } from './capacity-validation.js';
import { engineFindings } from './engine-validation.js';
import { bounded, echo, echoKey, type Problem } from './problem.js';
import { estimateRuleCost, formatCost, POLICY_RULES_COST_LIMIT } from './rule-cost.js';
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
      return { path: joinPath(path, echoKey(String(e.params['additionalProperty']))), message: 'unknown field' };
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

/** Whether the schema found something wrong at `path` or below it: what reads there would read garbage. */
type Broken = (path: string) => boolean;

function brokenUnder(problems: readonly Problem[]): Broken {
  return (path) =>
    problems.some((p) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`));
}

type Spec = Record<string, unknown>;

/**
 * The CEL rules that check a mode name as a whole list, item by item, so each problem names its field
 * (`spec.routing.rules[2].mode`); keyed by where the rule's fieldPath points. The API server reports these at the
 * list.
 */
const MODE_REFERENCES: Record<string, (spec: Spec) => { path: string; name: unknown }[]> = {
  'spec.routing.defaultMode': (spec) => [{ path: 'spec.routing.defaultMode', name: routingOf(spec)['defaultMode'] }],
  'spec.routing.rules': (spec) =>
    arrayAt(routingOf(spec)['rules']).map((r, i) => ({
      path: `spec.routing.rules[${i}].mode`,
      name: (r as Record<string, unknown> | undefined)?.['mode'],
    })),
  'spec.routing.fallback': (spec) =>
    arrayAt(routingOf(spec)['fallback']).map((name, i) => ({ path: `spec.routing.fallback[${i}]`, name })),
};

function routingOf(spec: Spec): Record<string, unknown> {
  const r = spec['routing'];
  return typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : {};
}

function arrayAt(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function modeNamesOf(spec: Spec): string[] {
  return arrayAt(spec['modes'])
    .map((m) => (m as Record<string, unknown> | undefined)?.['name'])
    .filter((n): n is string => typeof n === 'string');
}

/** A failed mode-reference rule, item by item; the rule's own message when no item can be blamed. */
function referenceProblems(path: string, message: string, spec: Spec): Problem[] | undefined {
  const refs = MODE_REFERENCES[path];
  if (!refs) return undefined;
  const modes = [...new Set(modeNamesOf(spec))];
  const found = refs(spec)
    .filter((r) => typeof r.name === 'string' && !modes.includes(r.name))
    .map((r) => ({
      path: r.path,
      message: `${message}: no mode ${echo(JSON.stringify(r.name))}; modes: ${modes.map(echo).join(', ')}`,
    }));
  return found.length > 0 ? found : undefined;
}

/**
 * Walks data and schema together, applying what ajv does not know: CEL rules and list-map key uniqueness. A rule
 * that errs where the schema already found something wrong is not reported again.
 */
function kubernetesRules(
  schema: JsonSchema,
  data: unknown,
  path: string,
  problems: Problem[],
  broken: Broken,
  spec: Spec,
): void {
  if (data === undefined || data === null) return;
  for (const v of schema['x-kubernetes-validations'] ?? []) {
    const result = run(v.rule, { self: data as CelInput });
    if (result === true || (isCelError(result) && (path ? broken(path) : problems.length > 0))) continue;
    const at = v.fieldPath ? joinPath(path, v.fieldPath.replace(/^\./, '')) : path || '<root>';
    const message = isCelError(result) ? `${v.message} (${result.message})` : v.message;
    problems.push(...(referenceProblems(at, message, spec) ?? [{ path: at, message }]));
  }
  if (schema.type === 'array' && Array.isArray(data)) {
    const keys = schema['x-kubernetes-list-map-keys'];
    if (schema['x-kubernetes-list-type'] === 'map' && keys) {
      const seen = new Set<string>();
      data.forEach((item, i) => {
        const key = JSON.stringify(keys.map((k) => (item as Record<string, unknown>)?.[k]));
        if (seen.has(key))
          problems.push({ path: `${path}[${i}]`, message: `Duplicate value: ${echo(key.slice(1, -1))}` });
        seen.add(key);
      });
    }
    if (schema.items) {
      data.forEach((item, i) => kubernetesRules(schema.items!, item, `${path}[${i}]`, problems, broken, spec));
    }
    return;
  }
  if (schema.properties && typeof data === 'object') {
    for (const [key, sub] of Object.entries(schema.properties)) {
      kubernetesRules(sub, (data as Record<string, unknown>)[key], joinPath(path, key), problems, broken, spec);
    }
  }
}

/** Each rule's CEL (where the schema found its text well-formed), and the cost of all of them together. */
function ruleExpressionProblems(spec: Spec, broken: Broken): Problem[] {
  const modeNames = modeNamesOf(spec);
  const problems: Problem[] = [];
  let total = 0;
  arrayAt(routingOf(spec)['rules']).forEach((r, i) => {
    const path = `spec.routing.rules[${i}].when`;
    const when = (r as Record<string, unknown> | undefined)?.['when'];
    if (typeof when !== 'string' || broken(path)) return;
    const found = checkRuleExpression(when, modeNames);
    problems.push(...found.map((message) => ({ path, message })));
    if (found.length === 0) total += estimateRuleCost(parse(when).expr);
  });
  if (total > POLICY_RULES_COST_LIMIT) {
    problems.push({
      path: 'spec.routing.rules',
      message: `estimated cost of all rules together ${formatCost(total)} exceeds the limit of ${formatCost(POLICY_RULES_COST_LIMIT)} per request (docs/rules.md)`,
    });
  }
  return problems;
}

/**
 * Every problem of a policy in one pass, each at its field: the schema's, the CEL rules', each routing rule's
 * expression, and the checks of capacity and of the vLLM arguments where the fields they read are well-formed.
 */
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
  if (!validateSchema(obj)) problems.push(...(validateSchema.errors ?? []).map(schemaProblem));
  const broken = brokenUnder(problems);
  const spec = typeof o['spec'] === 'object' && o['spec'] !== null ? (o['spec'] as Spec) : {};
  kubernetesRules(policySchema, obj, '', problems, broken, spec);
  problems.push(...ruleExpressionProblems(spec, broken));
  let warnings: Problem[] = [];
  // These read the policy as typed: only where the schema found the fields they read well-formed.
  const policy = obj as unknown as InferenceModePolicy;
  if (!broken('spec')) problems.push(...capacityProblems(policy));
  if (!broken('spec.model') && !broken('spec.modes') && !broken('spec.engine')) {
    const engine = engineFindings(policy);
    problems.push(...engine.problems);
    warnings = engine.warnings.map(bounded);
  }
  return problems.length > 0 ? { problems: problems.map(bounded), warnings } : { policy, problems, warnings };
}

/** One line per problem, as `validate` prints them and as the PolicyValid condition carries them. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('; ');
}
