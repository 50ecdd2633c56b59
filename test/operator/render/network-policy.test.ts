import { parse } from 'yaml';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { renderPolicy, type KubeObject } from '../../../src/operator/render/index.js';
import { clone, loadExample } from '../../support/policies.js';

const base = loadExample();
const name = base.metadata.name;

function render(edit: (p: InferenceModePolicy) => void): KubeObject[] {
  const p = clone(base);
  edit(p);
  return renderPolicy(p);
}

const networkPolicies = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'NetworkPolicy') as any[];
const byName = (objects: KubeObject[], n: string) => networkPolicies(objects).find((o) => o.metadata.name === n);
const portsOf = (rule: any) => rule.ports.map((p: any) => p.port);

describe('NetworkPolicies of a policy', () => {
  it('are rendered only when the policy enables them, before any workload', () => {
    expect(networkPolicies(renderPolicy(base))).toEqual([]);
    const objects = render((p) => (p.spec.networkPolicy = { enabled: true }));
    expect(networkPolicies(objects).map((o) => o.metadata.name)).toEqual([`${name}-engines`, `${name}-router`]);
    expect(objects.slice(0, 2).every((o) => o.kind === 'NetworkPolicy')).toBe(true);
    expect(networkPolicies(render((p) => (p.spec.networkPolicy = { enabled: false })))).toEqual([]);
  });

  it("open the engines' port only to this policy's router pods, and to no one else without a gateway", () => {
    const engines = byName(
      render((p) => (p.spec.networkPolicy = { enabled: true, monitoringNamespace: 'monitoring' })),
      `${name}-engines`,
    );
    // Every mode's pods (no mode label in the selector), ingress only.
    expect(engines.spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'modeswitch',
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/component': 'engine',
      'modeswitch.io/policy': name,
    });
    expect(engines.spec.policyTypes).toEqual(['Ingress']);
    expect(engines.spec.ingress).toEqual([
      {
        from: [
          {
            podSelector: {
              matchLabels: {
                'app.kubernetes.io/name': 'modeswitch',
                'app.kubernetes.io/instance': name,
                'app.kubernetes.io/component': 'router',
                'modeswitch.io/policy': name,
              },
            },
          },
        ],
        ports: [{ port: 8000, protocol: 'TCP' }],
      },
    ]);
  });

  it("open the router's client ports to all, metrics to the monitoring namespace, and no ext_proc without a pool", () => {
    const router = byName(
      render((p) => (p.spec.networkPolicy = { enabled: true, monitoringNamespace: 'monitoring' })),
      `${name}-router`,
    );
    const [clients, metrics, ...rest] = router.spec.ingress;
    expect(clients).toEqual({
      ports: [
        { port: 9000, protocol: 'TCP' },
        { port: 8080, protocol: 'TCP' },
      ],
    });
    expect(metrics.from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    expect(portsOf(metrics)).toEqual([9090]);
    expect(rest).toEqual([]);
    // Without a monitoring namespace or a capacity planner, nobody may reach the metrics port.
    const closed = byName(
      render((p) => (p.spec.networkPolicy = { enabled: true })),
      `${name}-router`,
    );
    expect(closed.spec.ingress).toEqual([clients]);
  });

  it('let the operator read demand from the router when the capacity planner runs', () => {
    const router = byName(
      render((p) => {
        p.spec.networkPolicy = { enabled: true };
        p.spec.capacity = { maxGpus: 4 };
      }),
      `${name}-router`,
    );
    expect(router.spec.ingress[1]).toEqual({
      from: [
        {
          namespaceSelector: {},
          podSelector: {
            matchLabels: { 'app.kubernetes.io/name': 'modeswitch', 'app.kubernetes.io/component': 'operator' },
          },
        },
      ],
      ports: [{ port: 9090, protocol: 'TCP' }],
    });
  });

  it("with an InferencePool, open the engines and ext_proc to the gateway's pods only", () => {
    const gateway = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateways' } },
      podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'inference-gateway' } },
    };
    const objects = render((p) => {
      p.spec.inferencePool = { enabled: true, gateway: { name: 'inference-gateway', namespace: 'gateways' } };
      p.spec.networkPolicy = {
        enabled: true,
        gatewayPodLabels: { 'gateway.networking.k8s.io/gateway-name': 'inference-gateway' },
      };
    });
    expect(byName(objects, `${name}-engines`).spec.ingress[0].from[1]).toEqual(gateway);
    const extProc = byName(objects, `${name}-router`).spec.ingress.at(-1);
    expect(extProc).toEqual({ from: [gateway], ports: [{ port: 9002, protocol: 'TCP' }] });
    // A gateway namespace stated outright wins; without a Gateway the policy's own namespace is the default.
    const own = render((p) => {
      p.spec.inferencePool = { enabled: true };
      p.spec.networkPolicy = { enabled: true };
    });
    expect(byName(own, `${name}-router`).spec.ingress.at(-1).from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': base.metadata.namespace } } },
    ]);
  });
});

describe("the router's client API keys", () => {
  it('mount the whole Secret read-only (so rotations reach the pod) and point the router config at it', () => {
    const objects = render(
      (p) => (p.spec.router = { clientAuth: { apiKeysSecret: 'llama-clients', trustedKeys: ['planner'] } }),
    );
    const pod = (objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `${name}-router`) as any).spec
      .template.spec;
    expect(pod.volumes).toContainEqual({ name: 'client-api-keys', secret: { secretName: 'llama-clients' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'client-api-keys',
      mountPath: '/etc/modeswitch/client-keys',
      readOnly: true,
    });
    const config = parse((objects.find((o) => o.kind === 'ConfigMap') as any).data['router.yaml']);
    expect(config.clientApiKeysDir).toBe('/etc/modeswitch/client-keys');
    expect(
      parse((renderPolicy(base).find((o) => o.kind === 'ConfigMap') as any).data['router.yaml']),
    ).not.toHaveProperty('clientApiKeysDir');
  });
});
