import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { operatorDeployment } from './support/operator-deployment.js';
import { restrictedViolations } from './support/pod-security.js';
import { CHART_CI_VALUES, CHART_DIR, ciValuesFile } from './support/paths.js';
import { findManifest, renderChart, type Manifest } from './support/render-chart.js';

const kinds = (manifests: Manifest[]) => manifests.map((m) => m.kind).sort();

describe('default install', () => {
  const manifests = renderChart({ valuesFiles: [ciValuesFile('default')] });
  const op = operatorDeployment(manifests);

  it('runs one operator replica with leader election, probes and resource limits', () => {
    expect(op.replicas).toBe(1);
    expect(op.container.image).toBe('ghcr.io/modeswitch/modeswitch:0.1.0');
    expect(op.container.args[0]).toBe('operator');
    expect(op.container.args).toEqual(
      expect.arrayContaining(['--leader-elect=true', '--lease-name=ms-modeswitch-operator', '--listen=0.0.0.0:8081']),
    );
    expect(op.container.ports).toEqual([expect.objectContaining({ name: 'metrics', containerPort: 8081 })]);
    expect(op.container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(op.container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(op.container.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(op.container.resources?.limits?.['memory']).toBeDefined();
    expect(op.container.resources?.requests?.['cpu']).toBeDefined();
  });

  it('grants cluster-wide access through a ClusterRole and leaves out the optional monitoring objects', () => {
    expect(kinds(manifests)).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Deployment',
      'Role',
      'RoleBinding',
      'Service',
      'ServiceAccount',
    ]);
    const binding = findManifest(manifests, 'ClusterRoleBinding');
    expect(binding['subjects']).toEqual([
      { kind: 'ServiceAccount', name: op.pod.serviceAccountName, namespace: 'modeswitch-system' },
    ]);
    expect(op.container.args.some((a) => a.startsWith('--namespace'))).toBe(false);
  });

  it('exposes the operator metrics through a Service that selects the operator pods', () => {
    const service = findManifest(manifests, 'Service');
    const spec = service['spec'] as {
      selector: Record<string, string>;
      ports: { name: string; port: number; targetPort: string }[];
    };
    const podLabels = (op.manifest['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template
      .metadata.labels;
    expect(podLabels).toMatchObject(spec.selector);
    expect(spec.ports).toEqual([expect.objectContaining({ name: 'metrics', port: 8081, targetPort: 'metrics' })]);
  });

  it('ships the canonical Grafana dashboard in a ConfigMap the Grafana sidecar picks up', () => {
    const configMap = findManifest(manifests, 'ConfigMap', 'ms-modeswitch-dashboard');
    expect(configMap.metadata.labels?.['grafana_dashboard']).toBe('1');
    const data = configMap['data'] as Record<string, string>;
    const canonical = readFileSync(join(CHART_DIR, 'dashboards/modeswitch-dashboard.json'), 'utf8');
    expect(JSON.parse(data['modeswitch-dashboard.json'] ?? 'null')).toEqual(JSON.parse(canonical));
  });
});

describe('namespaced install (watchNamespace)', () => {
  const manifests = renderChart({ valuesFiles: [ciValuesFile('namespaced')] });

  it('uses a Role and RoleBinding in the watched namespace instead of cluster-wide RBAC', () => {
    expect(manifests.filter((m) => m.kind.startsWith('Cluster'))).toEqual([]);
    const role = manifests.find((m) => m.kind === 'Role' && m.metadata.namespace === 'llm');
    const binding = manifests.find((m) => m.kind === 'RoleBinding' && m.metadata.namespace === 'llm');
    expect(role).toBeDefined();
    expect(binding?.['roleRef']).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: role?.metadata.name,
    });
    expect(binding?.['subjects']).toEqual([
      expect.objectContaining({ kind: 'ServiceAccount', namespace: 'modeswitch-system' }),
    ]);
  });

  it('tells the operator which namespace to watch', () => {
    expect(operatorDeployment(manifests).container.args).toContain('--namespace=llm');
  });
});

describe('HA install with Prometheus Operator objects', () => {
  const manifests = renderChart({ valuesFiles: [ciValuesFile('ha')] });
  const op = operatorDeployment(manifests);

  it('runs two replicas that elect a leader, spread over nodes and keep one through disruptions', () => {
    expect(op.replicas).toBe(2);
    expect(op.container.args).toEqual(
      expect.arrayContaining(['--leader-elect=true', '--lease-name=ms-modeswitch-operator']),
    );
    const pdb = findManifest(manifests, 'PodDisruptionBudget');
    expect((pdb['spec'] as { minAvailable: number }).minAvailable).toBe(1);
    expect(JSON.stringify((op.manifest['spec'] as { template: { spec: unknown } }).template.spec)).toContain(
      'podAntiAffinity',
    );
  });

  it('creates ServiceMonitors for the operator and the routers with the job names the alerts use', () => {
    const monitors = manifests.filter((m) => m.kind === 'ServiceMonitor');
    const jobs = monitors.map((m) => {
      const endpoints = (m['spec'] as { endpoints: { relabelings: { targetLabel: string; replacement: string }[] }[] })
        .endpoints;
      return endpoints[0]?.relabelings.find((r) => r.targetLabel === 'job')?.replacement;
    });
    expect(jobs.sort()).toEqual(['modeswitch-operator', 'modeswitch-router']);
    for (const m of monitors) expect(m.metadata.labels?.['release']).toBe('kube-prometheus-stack');
    const routers = monitors.find((m) => m.metadata.name.endsWith('-routers'));
    expect((routers?.['spec'] as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels).toEqual({
      'app.kubernetes.io/managed-by': 'modeswitch',
      'app.kubernetes.io/component': 'router',
    });
  });

  it('wraps exactly the canonical alert rules in the PrometheusRule', () => {
    const rule = findManifest(manifests, 'PrometheusRule');
    const canonical = parse(readFileSync(join(CHART_DIR, 'rules/alerts.yaml'), 'utf8')) as unknown;
    expect(rule['spec']).toEqual(canonical);
  });

  it('puts the dashboard ConfigMap in the namespace the Grafana sidecar watches', () => {
    const configMap = findManifest(manifests, 'ConfigMap', 'ms-modeswitch-dashboard');
    expect(configMap.metadata.namespace).toBe('monitoring');
    expect(configMap.metadata.annotations).toEqual({ grafana_folder: 'LLM' });
  });
});

describe.each(CHART_CI_VALUES)('pod security with ci/%s-values.yaml', (values) => {
  it('meets the restricted Pod Security Standard with a read-only root filesystem', () => {
    const op = operatorDeployment(renderChart({ valuesFiles: [ciValuesFile(values)] }));
    expect(restrictedViolations(op.pod)).toEqual([]);
    expect(op.pod.securityContext?.runAsUser).toBeGreaterThan(0);
  });
});
