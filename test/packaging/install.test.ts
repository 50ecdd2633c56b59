/**
 * The install path a user takes, against the fake API server with the real kubectl: apply the chart as rendered
 * by helm template (deploy/install.yaml, and a namespaced render), then an example policy, and watch the operator
 * reconcile it. Every request the operator makes must be allowed by the RBAC the chart installed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/observability/logger.js';
import { startOperatorProcess, type OperatorProcess } from '../../src/operator/runtime/process.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { runKubectl } from '../support/kubectl.js';
import { eventually } from '../support/eventually.js';
import { operatorDeployment } from './support/operator-deployment.js';
import { ciValuesFile, REPO_ROOT } from './support/paths.js';
import { permission, permissionsOf, type PolicyRule } from './support/rbac.js';
import { parseManifests, renderChartText, type Manifest } from './support/render-chart.js';

const EXAMPLE = join(REPO_ROOT, 'deploy/examples/llama-3.1-8b-h100.yaml');
const POLICY_API = 'modeswitch.io/v1alpha1';
const OPERATOR_NAMESPACE = 'modeswitch-system';
const POLICY_NAMESPACE = 'llm';

interface Scenario {
  name: string;
  manifests: () => string;
  /** Namespaces a cluster admin creates before applying (install.yaml brings its own). */
  namespaces: string[];
  operatorName: string;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'deploy/install.yaml (cluster-wide)',
    manifests: () => readFileSync(join(REPO_ROOT, 'deploy/install.yaml'), 'utf8'),
    namespaces: [POLICY_NAMESPACE],
    operatorName: 'modeswitch-operator',
  },
  {
    name: 'helm template with ci/namespaced-values.yaml',
    manifests: () =>
      renderChartText({ valuesFiles: [ciValuesFile('namespaced')], namespace: OPERATOR_NAMESPACE, includeCrds: true }),
    namespaces: [OPERATOR_NAMESPACE, POLICY_NAMESPACE],
    operatorName: 'ms-modeswitch-operator',
  },
];

/** Permissions the manifests' RBAC gives, by namespace ('' = cluster-wide). */
function grantedPermissions(manifests: readonly Manifest[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of manifests.filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role')) {
    const scope = m.kind === 'ClusterRole' ? '' : (m.metadata.namespace as string);
    const set = out.get(scope) ?? new Set<string>();
    for (const p of permissionsOf(m['rules'] as PolicyRule[])) set.add(p);
    out.set(scope, set);
  }
  return out;
}

/** API group and namespace of a request path such as /apis/apps/v1/namespaces/llm/deployments. */
function scopeOf(path: string): { group: string; namespace: string } {
  const parts = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  const group = parts[0] === 'api' ? '' : (parts[1] ?? '');
  const ns = parts.indexOf('namespaces');
  return { group, namespace: ns >= 0 && parts.length > ns + 2 ? (parts[ns + 1] ?? '') : '' };
}

/** Value of `--name=value` among the operator's rendered arguments. */
function flag(args: readonly string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** Resource requests the operator made (kubectl's apply of the policy is the user's, not the operator's). */
function operatorRequests(server: FakeApiServer): { namespace: string; permission: string }[] {
  return server.requestLog
    .entries()
    .filter((r) => r.verb !== undefined && r.resource !== undefined && r.fieldManager !== 'kubectl')
    .map((r) => ({
      namespace: scopeOf(r.path).namespace,
      permission: permission(scopeOf(r.path).group, r.resource as string, r.verb as string),
    }));
}

describe.each(SCENARIOS)('kubectl apply --server-side of $name, then a policy', (scenario) => {
  let server: FakeApiServer | undefined;
  let operator: OperatorProcess | undefined;
  let dir = '';
  let kubeconfig = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'modeswitch-install-'));
    // No CRDs preloaded: the CRD must come from the manifests, as on a fresh cluster.
    mkdirSync(join(dir, 'no-crds'));
    server = await startFakeApiServer({ crdDir: join(dir, 'no-crds'), bookmarkIntervalMs: 200 });
    kubeconfig = server.writeKubeconfig(dir);
    for (const name of scenario.namespaces)
      server.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as never);
  });

  afterAll(async () => {
    await operator?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (): FakeApiServer => {
    if (!server) throw new Error('fake API server did not start');
    return server;
  };

  it('installs the CRD, RBAC and operator Deployment', async () => {
    const file = join(dir, 'manifests.yaml');
    writeFileSync(file, scenario.manifests());
    const result = await runKubectl(['apply', '--server-side', '--validate=false', '-f', file], { kubeconfig });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'customresourcedefinition.apiextensions.k8s.io/inferencemodepolicies.modeswitch.io serverside-applied',
    );
    expect(api().store.get('apps/v1', 'Deployment', scenario.operatorName, OPERATOR_NAMESPACE)).toBeDefined();
  });

  it('lets the operator reconcile an example policy applied with kubectl, within the installed RBAC', async () => {
    api().requestLog.clear();
    // The operator as its Deployment runs it: the rendered flags that matter here, POD_NAMESPACE for the Lease.
    const args = operatorDeployment(parseManifests(scenario.manifests())).container.args;
    const leaseName = flag(args, 'lease-name');
    expect(leaseName).toBe(scenario.operatorName);
    operator = await startOperatorProcess({
      kubeconfigContent: api().kubeconfig(),
      namespace: flag(args, 'namespace'),
      workers: Number(flag(args, 'workers')),
      leaderElection: {
        name: leaseName as string,
        namespace: OPERATOR_NAMESPACE,
        identity: `${scenario.operatorName}-0`,
      },
      resyncPeriodMs: Number(flag(args, 'resync-period')) * 1000,
      listenHost: '127.0.0.1',
      listenPort: 0,
      logger: createLogger('install-test', { level: 'error' }),
    });

    const applied = await runKubectl(['apply', '--server-side', '--validate=false', '-f', EXAMPLE], { kubeconfig });
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    await eventually(() => {
      const policy = api().store.get(POLICY_API, 'InferenceModePolicy', 'llama-8b', POLICY_NAMESPACE) as
        { metadata: { generation: number }; status?: { observedGeneration?: number } } | undefined;
      expect(policy?.status?.observedGeneration).toBe(policy?.metadata.generation);
      expect(
        api()
          .store.list('apps/v1', 'Deployment', POLICY_NAMESPACE)
          .map((d) => d.metadata.name),
      ).toContain('llama-8b-router');
    });

    const ready = await fetch(`${operator.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await (await fetch(`${operator.url}/metrics`)).text()).toContain(
      'modeswitch_reconcile_total{result="success"}',
    );

    const used = operatorRequests(api());
    expect(used.map((u) => u.permission)).toEqual(
      expect.arrayContaining([
        'modeswitch.io/inferencemodepolicies:watch',
        'modeswitch.io/inferencemodepolicies/status:patch',
        'apps/deployments:patch',
        'rbac.authorization.k8s.io/roles:patch',
        'core/events:create',
        'coordination.k8s.io/leases:create',
      ]),
    );
    const granted = grantedPermissions(parseManifests(scenario.manifests()));
    const denied = used
      .filter((u) => !granted.get('')?.has(u.permission) && !granted.get(u.namespace)?.has(u.permission))
      .map((u) => `${u.permission} in ${u.namespace || 'all namespaces'}`);
    expect([...new Set(denied)]).toEqual([]);
  }, 30_000);
});
