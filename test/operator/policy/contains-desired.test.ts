import { containsDesired } from '../../../src/operator/policy/contains-desired.js';
import type { KubeObject } from '../../../src/kube/types.js';

const desired = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'p-fp8',
    namespace: 'llm',
    labels: { a: '1' },
    ownerReferences: [{ apiVersion: 'x/v1', kind: 'P', name: 'p', uid: 'u1', controller: true }],
  },
  spec: {
    replicas: 1,
    template: {
      spec: {
        containers: [{ name: 'vllm', args: ['--dtype', 'half'], env: [{ name: 'A', value: '1' }] }],
        volumes: [],
      },
    },
  },
} as KubeObject;

function live(change: (o: any) => void = () => {}): KubeObject {
  const o = JSON.parse(JSON.stringify(desired));
  // What the API server adds: server metadata, defaults, status, managed fields.
  Object.assign(o.metadata, {
    uid: 'd1',
    resourceVersion: '7',
    generation: 2,
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields: [{}],
  });
  o.metadata.labels['added-by-someone'] = 'x';
  o.spec.strategy = { type: 'RollingUpdate' };
  o.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
  o.status = { readyReplicas: 0 };
  change(o);
  return o;
}

describe('containsDesired', () => {
  it('accepts a live object that only adds server-set fields and defaults', () => {
    expect(containsDesired(live(), desired)).toBe(true);
  });

  it('accepts entries another manager added to a named list', () => {
    expect(
      containsDesired(
        live((o) => o.spec.template.spec.containers[0].env.push({ name: 'B', value: '2' })),
        desired,
      ),
    ).toBe(true);
  });

  it('detects a changed scalar, a changed label, a changed arg list and a removed container', () => {
    expect(
      containsDesired(
        live((o) => (o.spec.replicas = 3)),
        desired,
      ),
    ).toBe(false);
    expect(
      containsDesired(
        live((o) => (o.metadata.labels.a = '2')),
        desired,
      ),
    ).toBe(false);
    expect(
      containsDesired(
        live((o) => o.spec.template.spec.containers[0].args.push('--x')),
        desired,
      ),
    ).toBe(false);
    expect(
      containsDesired(
        live((o) => (o.spec.template.spec.containers = [])),
        desired,
      ),
    ).toBe(false);
  });

  it('treats a quantity the API server rewrote in canonical form as unchanged, and a different one as drift', () => {
    const withLimits = (cpu: string, memory: string) => {
      const o: any = JSON.parse(JSON.stringify(desired));
      o.spec.template.spec.containers[0].resources = { limits: { cpu, memory } };
      return o as KubeObject;
    };
    expect(containsDesired(withLimits('1', '1Gi'), withLimits('1000m', '1024Mi'))).toBe(true);
    expect(containsDesired(withLimits('500m', '1Gi'), withLimits('0.5', '1Gi'))).toBe(true);
    expect(containsDesired(withLimits('1', '1Gi'), withLimits('2', '1Gi'))).toBe(false);
    expect(containsDesired(withLimits('1', '1G'), withLimits('1', '1Gi'))).toBe(false);
  });

  it('detects a lost owner reference', () => {
    expect(
      containsDesired(
        live((o) => delete o.metadata.ownerReferences),
        desired,
      ),
    ).toBe(false);
  });
});
