import * as k8s from '@kubernetes/client-node';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { systemClock } from '../../../src/kube/clock.js';
import { connectKube } from '../../../src/kube/connect.js';
import { routerKubeDiscovery } from '../../../src/router/pods/kube-discovery.js';
import { endpointsFromSlices } from '../../../src/router/pods/endpoint-slices.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { Endpoint } from '../../../src/router/pods/endpoint.js';
import { startFakeApiServer } from '../../support/fake-apiserver/index.js';
import type { FakeApiServer } from '../../support/fake-apiserver/index.js';
import { waitFor } from '../../support/eventually.js';

function slice(
  name: string,
  mode: string,
  endpoints: Array<{ ip: string; pod: string; ready?: boolean; terminating?: boolean }>,
) {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: 'llm',
      labels: {
        'modeswitch.io/policy': 'llama',
        'modeswitch.io/mode': mode,
        'kubernetes.io/service-name': `llama-${mode}`,
      },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8000, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, terminating: e.terminating ?? false },
      targetRef: { kind: 'Pod', name: e.pod, namespace: 'llm' },
    })),
  };
}

describe('endpointsFromSlices', () => {
  it('maps slices to pods per mode, not-ready and terminating pods marked, unknown modes ignored', () => {
    const byMode = endpointsFromSlices(
      [
        slice('a', 'fp8', [
          { ip: '10.0.0.1', pod: 'p1' },
          { ip: '10.0.0.2', pod: 'p2', terminating: true },
        ]),
        slice('b', 'fp8', [{ ip: '10.0.0.3', pod: 'p3', ready: false }]),
        slice('c', 'other', [{ ip: '10.0.0.9', pod: 'x' }]),
      ],
      ['fp8', 'int4'],
    );
    expect(byMode.get('fp8')?.map((e) => [e.url, e.pod, e.ready])).toEqual([
      ['http://10.0.0.1:8000', 'p1', true],
      ['http://10.0.0.2:8000', 'p2', false],
      ['http://10.0.0.3:8000', 'p3', false],
    ]);
    expect(byMode.get('int4')).toEqual([]);
    expect(byMode.has('other')).toBe(false);
  });
});

describe('routerKubeDiscovery against the fake API server', () => {
  let server: FakeApiServer;
  let objects: k8s.KubernetesObjectApi;
  const policy: InferenceModePolicy = {
    apiVersion: 'modeswitch.io/v1alpha1',
    kind: 'InferenceModePolicy',
    metadata: { name: 'llama', namespace: 'llm' },
    spec: { model: 'm', modes: [{ name: 'fp8' }, { name: 'int4' }], routing: { defaultMode: 'fp8' } },
  };

  beforeAll(async () => {
    server = await startFakeApiServer({ bookmarkIntervalMs: 50 });
    const kc = new k8s.KubeConfig();
    kc.loadFromString(server.kubeconfig());
    objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: 'llm' } } });
  });
  afterAll(async () => server.close());

  it('delivers the policy and its pods, then every change', async () => {
    await objects.create(policy as unknown as k8s.KubernetesObject);
    await objects.create(slice('llama-fp8-x', 'fp8', [{ ip: '10.0.0.1', pod: 'p1' }]) as k8s.KubernetesObject);
    const policies: InferenceModePolicy[] = [];
    let endpoints = new Map<string, readonly Endpoint[]>();
    const conn = connectKube({ content: server.kubeconfig() });
    const discovery = routerKubeDiscovery({
      source: conn.source,
      policyRef: { namespace: 'llm', name: 'llama' },
      clock: systemClock,
      logger: createLogger('test', { level: 'error' }),
    });
    await discovery.start({ policy: (p) => policies.push(p), endpoints: (e) => (endpoints = new Map(e)) });
    try {
      await waitFor('policy and fp8 pod', () => policies.length === 1 && endpoints.get('fp8')?.length === 1);
      expect(endpoints.get('fp8')?.[0]).toMatchObject({
        url: 'http://10.0.0.1:8000',
        pod: 'p1',
        namespace: 'llm',
        ready: true,
      });

      await objects.replace({
        ...slice('llama-fp8-x', 'fp8', [
          { ip: '10.0.0.1', pod: 'p1', ready: false },
          { ip: '10.0.0.4', pod: 'p4' },
        ]),
      } as k8s.KubernetesObject);
      await waitFor(
        'slice update',
        () => endpoints.get('fp8')?.length === 2 && endpoints.get('fp8')?.[0]?.ready === false,
      );

      const current = (await objects.read({
        apiVersion: policy.apiVersion,
        kind: policy.kind,
        metadata: { name: 'llama', namespace: 'llm' },
      })) as unknown as InferenceModePolicy;
      await objects.replace({
        ...current,
        spec: { ...current.spec, routing: { defaultMode: 'int4' } },
      } as unknown as k8s.KubernetesObject);
      await waitFor('policy update', () => policies.at(-1)?.spec.routing.defaultMode === 'int4');

      // The router's Role grants its own policy by name only: Kubernetes then allows list and watch only with
      // a metadata.name field selector, so every policy request must carry one.
      const policyRequests = server.requestLog
        .entries()
        .filter((r) => r.method === 'GET' && r.path.endsWith('/inferencemodepolicies'));
      expect(policyRequests.length).toBeGreaterThanOrEqual(2);
      for (const r of policyRequests)
        expect(new URLSearchParams(r.query).get('fieldSelector')).toBe('metadata.name=llama');
    } finally {
      await discovery.stop();
    }
  });
});
