import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { repoRoot } from '../../../src/api/repo-root.js';
import { parseRouterConfig } from '../../../src/router/config/parse-router-config.js';
import { renderPolicy, type KubeObject } from '../../../src/operator/render/index.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { evaluateCelRules } from '../../support/fake-apiserver/cel-validation.js';
import { readCrdFiles } from '../../support/fake-apiserver/crd.js';
import type { SchemaProps } from '../../support/fake-apiserver/resources.js';
import { validateAgainstSchema } from '../../support/fake-apiserver/schema-validation.js';
import { clone, EXAMPLES_DIR, loadExample } from '../../support/policies.js';

const CRDS = readCrdFiles(join(repoRoot(), 'test', 'fixtures', 'gateway-api'));

/** The served v1 schema of a published CRD, as the API server would enforce it (OpenAPI and CEL rules). */
function schemaOf(kind: string): SchemaProps {
  const crd = CRDS.find((c) => (c as any).spec.names.kind === kind) as any;
  return crd.spec.versions.find((v: any) => v.name === 'v1').schema.openAPIV3Schema;
}

function problemsOf(obj: KubeObject | Record<string, unknown>): string[] {
  const schema = schemaOf(obj['kind'] as string);
  // metadata is checked by the API server itself, not by the CRD schema.
  const { metadata: _m, status: _s, ...body } = obj as Record<string, unknown>;
  return [...validateAgainstSchema(body, schema), ...evaluateCelRules(body, undefined, schema)].map(
    (e) => `${e.field}: ${e.detail}`,
  );
}

const stored: InferenceModePolicy = {
  ...loadExample(),
  metadata: { name: 'llama-8b', namespace: 'llm', uid: 'uid-1' },
};

function withPool(pool: NonNullable<InferenceModePolicy['spec']['inferencePool']>): InferenceModePolicy {
  const p = clone(stored);
  p.spec.inferencePool = pool;
  return p;
}

const find = (objects: KubeObject[], kind: string) => objects.find((o) => o.kind === kind) as any;

describe('InferencePool rendering', () => {
  it('renders no pool, no route and no Endpoint Picker port unless the policy asks for them', () => {
    const objects = renderPolicy(stored);
    expect(objects.some((o) => o.kind === 'InferencePool' || o.kind === 'HTTPRoute')).toBe(false);
    expect(find(objects, 'Service').spec.ports.some((p: any) => p.name === 'ext-proc')).toBe(false);
  });

  it('selects the pods of every mode on the vLLM port, with the router as Endpoint Picker', () => {
    const objects = renderPolicy(withPool({ enabled: true }));
    const pool = find(objects, 'InferencePool');
    expect(pool.apiVersion).toBe('inference.networking.k8s.io/v1');
    expect(pool.metadata).toMatchObject({
      name: 'llama-8b',
      namespace: 'llm',
      ownerReferences: [expect.objectContaining({ uid: 'uid-1', controller: true })],
    });
    expect(pool.spec.targetPorts).toEqual([{ number: 8000 }]);
    expect(pool.spec.endpointPickerRef).toEqual({
      group: '',
      kind: 'Service',
      name: 'llama-8b-router',
      port: { number: 9002 },
      failureMode: 'FailClose',
    });
    // The selector must match the pods of every mode and nothing else (not the router's pods).
    const selector = pool.spec.selector.matchLabels as Record<string, string>;
    const matches = (labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    const podLabels = objects
      .filter((o) => o.kind === 'Deployment')
      .map((d: any) => [d.metadata.name, d.spec.template.metadata.labels]);
    expect(
      podLabels
        .filter(([, l]) => matches(l))
        .map(([n]) => n)
        .sort(),
    ).toEqual(['llama-8b-fp16', 'llama-8b-fp8', 'llama-8b-int4', 'llama-8b-spec']);
    expect(problemsOf(pool)).toEqual([]);
  });

  it('exposes the ext_proc port on the router Service and pod, as the pool names it', () => {
    const objects = renderPolicy(withPool({ enabled: true, extProcPort: 9100, failureMode: 'FailOpen' }));
    const router = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'llama-8b-router') as any;
    expect(router.spec.ports).toContainEqual({
      name: 'ext-proc',
      port: 9100,
      targetPort: 'ext-proc',
      protocol: 'TCP',
      appProtocol: 'http2',
    });
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'llama-8b-router') as any;
    expect(deployment.spec.template.spec.containers[0].ports).toContainEqual({
      name: 'ext-proc',
      containerPort: 9100,
      protocol: 'TCP',
    });
    expect(find(objects, 'InferencePool').spec.endpointPickerRef).toMatchObject({
      port: { number: 9100 },
      failureMode: 'FailOpen',
    });

    // The router itself is told to serve the Endpoint Picker there.
    const config = parseRouterConfig(parse(find(objects, 'ConfigMap').data['router.yaml']));
    expect(config.listen.extProcPort).toBe(9100);
    expect(
      parseRouterConfig(parse(find(renderPolicy(stored), 'ConfigMap').data['router.yaml'])).listen.extProcPort,
    ).toBeUndefined();
  });

  it('renders an HTTPRoute to the pool when the policy names a Gateway, valid against the published CRD', () => {
    const objects = renderPolicy(
      withPool({ enabled: true, gateway: { name: 'inference-gateway', namespace: 'gateways', sectionName: 'http' } }),
    );
    const route = find(objects, 'HTTPRoute');
    expect(route.spec.parentRefs).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'inference-gateway',
        namespace: 'gateways',
        sectionName: 'http',
      },
    ]);
    expect(route.spec.rules[0].backendRefs).toEqual([
      { group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama-8b' },
    ]);
    expect(problemsOf(route)).toEqual([]);
    expect(objects.slice(-2).map((o) => o.kind)).toEqual(['InferencePool', 'HTTPRoute']);
  });

  it('ships an example HTTPRoute valid against the published CRD and pointing at the example policy', () => {
    const route = parse(readFileSync(join(EXAMPLES_DIR, 'gateway', 'llama-8b-httproute.yaml'), 'utf8'));
    expect(problemsOf(route)).toEqual([]);
    expect(route.spec.rules[0].backendRefs[0]).toMatchObject({
      kind: 'InferencePool',
      name: loadExample().metadata.name,
    });
  });

  it('the schema check catches what the API server would refuse', () => {
    const pool = find(renderPolicy(withPool({ enabled: true })), 'InferencePool');
    const broken = {
      ...pool,
      spec: { ...pool.spec, targetPorts: [], endpointPickerRef: { name: 'x', kind: 'Service' } },
    };
    expect(problemsOf(broken).join('\n')).toMatch(/targetPorts[\s\S]*port is required/);

    const route = parse(readFileSync(join(EXAMPLES_DIR, 'gateway', 'llama-8b-httproute.yaml'), 'utf8'));
    route.spec.rules[0].matches[0].path.value = 'v1';
    expect(problemsOf(route).join('\n')).toMatch(/must be an absolute path/);
  });
});
