import { operatorDeployment } from './support/operator-deployment.js';
import { renderChart, renderChartError } from './support/render-chart.js';
import { restrictedViolations } from './support/pod-security.js';

describe('values', () => {
  it.each([
    [{ replicaCount: '0' }, 'replicaCount'],
    [{ logLevel: 'verbose' }, 'logLevel'],
    [{ watchNamespace: 'Not_A_Namespace' }, 'watchNamespace'],
    [{ 'image.digest': 'latest' }, 'digest'],
    [{ replicas: '2' }, 'replicas'],
  ])('rejects %j through values.schema.json, naming the key', (set, key) => {
    expect(renderChartError({ set })).toContain(key);
  });

  it('pins the image by digest when one is given', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const op = operatorDeployment(renderChart({ set: { 'image.digest': digest } }));
    expect(op.container.image).toBe(`ghcr.io/modeswitch/modeswitch@${digest}`);
  });

  it('names one image for the operator and the routers of policies that name none (MODESWITCH_IMAGE)', () => {
    const op = operatorDeployment(
      renderChart({ set: { 'image.repository': 'registry.example.com/ml/modeswitch', 'image.tag': 'dev' } }),
    );
    expect(op.container.image).toBe('registry.example.com/ml/modeswitch:dev');
    expect(op.container.env?.find((e) => e.name === 'MODESWITCH_IMAGE')?.value).toBe(op.container.image);
  });

  it('runs a single operator without leader election when asked', () => {
    const op = operatorDeployment(renderChart({ set: { 'leaderElection.enabled': 'false' } }));
    expect(op.container.args).toContain('--leader-elect=false');
    expect(op.container.args.some((a) => a.startsWith('--lease-name'))).toBe(false);
  });

  it('can leave out RBAC, the ServiceAccount and the dashboard for clusters that manage them elsewhere', () => {
    const manifests = renderChart({
      set: {
        'rbac.create': 'false',
        'serviceAccount.create': 'false',
        'serviceAccount.name': 'ops-sa',
        'dashboard.enabled': 'false',
      },
    });
    expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'Service']);
    expect(operatorDeployment(manifests).pod.serviceAccountName).toBe('ops-sa');
  });

  it('reports a pod security regression when a user weakens the security context', () => {
    const op = operatorDeployment(renderChart({ set: { 'securityContext.readOnlyRootFilesystem': 'false' } }));
    expect(restrictedViolations(op.pod)).toEqual(['operator: readOnlyRootFilesystem must be true']);
  });
});
