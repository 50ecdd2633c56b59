import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../../src/api/repo-root.js';
import { buildCrd, CRD_FILE } from '../../../src/api/v1alpha1/crd.js';
import { specSchema, type JsonSchema } from '../../../src/api/v1alpha1/schema.js';
import { validatePolicy } from '../../../src/api/v1alpha1/validation.js';
import { clone, FULL_POLICY } from '../../support/policies.js';

/** Every field path of `value`, descending into arrays' first element. */
function valuePaths(value: unknown, path: string, out: Set<string>): Set<string> {
  if (Array.isArray(value)) return value.length > 0 ? valuePaths(value[0], `${path}[]`, out) : out;
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(`${path}.${k}`);
      valuePaths(v, `${path}.${k}`, out);
    }
  }
  return out;
}

/** Every property path the schema declares (maps with free keys stop at the map). */
function schemaPaths(schema: JsonSchema, path: string, out: Set<string>): Set<string> {
  if (schema.items) return schemaPaths(schema.items, `${path}[]`, out);
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    out.add(`${path}.${k}`);
    if (typeof v.additionalProperties !== 'object') schemaPaths(v, `${path}.${k}`, out);
  }
  return out;
}

describe('InferenceModePolicy schema', () => {
  it('declares exactly the fields of the TypeScript types', () => {
    const fromTypes = [...valuePaths(FULL_POLICY.spec, 'spec', new Set())].filter(
      (p) => !/\.(nodeSelector|podAnnotations|podLabels|gatewayPodLabels|requests|limits)\./.test(p),
    );
    const fromSchema = schemaPaths(specSchema, 'spec', new Set());
    expect(fromTypes.filter((p) => !fromSchema.has(p))).toEqual([]);
    expect([...fromSchema].filter((p) => !fromTypes.includes(p))).toEqual([]);
  });

  it('accepts a policy that uses every field', () => {
    const policy = clone(FULL_POLICY);
    // An adapter on another mode's pods may set no pod settings: this one runs its own.
    delete (policy.spec.modes[0]!.adapter as { base?: string }).base;
    // An autoscaled mode has no fixed size, and one inter-token target is enough.
    delete (policy.spec.modes[0] as { replicas?: number }).replicas;
    delete (policy.spec.objective as { interTokenP95Seconds?: number }).interTokenP95Seconds;
    expect(validatePolicy(policy).problems).toEqual([]);
  });

  it('is what crds/ holds (run `npm run generate` after changing src/api)', () => {
    const onDisk = parse(readFileSync(join(repoRoot(), 'crds', CRD_FILE), 'utf8'));
    expect(onDisk).toEqual(buildCrd());
  });

  it('is a structural schema: every property has a type', () => {
    const untyped: string[] = [];
    const visit = (s: JsonSchema, path: string) => {
      if (!s.type && !s['x-kubernetes-preserve-unknown-fields']) untyped.push(path);
      for (const [k, v] of Object.entries(s.properties ?? {})) visit(v, `${path}.${k}`);
      if (s.items) visit(s.items, `${path}[]`);
      if (typeof s.additionalProperties === 'object') visit(s.additionalProperties, `${path}{}`);
    };
    visit(specSchema, 'spec');
    expect(untyped).toEqual([]);
  });
});

describe('docs/policy.md', () => {
  it('is generated from the schema (run `npm run generate` after changing src/api)', async () => {
    const { policyReferenceMarkdown } = await import('../../../src/api/v1alpha1/reference.js');
    expect(readFileSync(join(repoRoot(), 'docs', 'policy.md'), 'utf8')).toBe(policyReferenceMarkdown());
  });
});
