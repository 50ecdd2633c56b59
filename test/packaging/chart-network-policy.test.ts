import { operatorDeployment } from './support/operator-deployment.js';
import { ciValuesFile } from './support/paths.js';
import { findManifest, renderChart, renderChartError, type Manifest } from './support/render-chart.js';

const networkPolicies = (manifests: Manifest[]) => manifests.filter((m) => m.kind === 'NetworkPolicy');

describe("the operator's NetworkPolicy", () => {
  it('is not rendered unless asked for', () => {
    expect(networkPolicies(renderChart({ valuesFiles: [ciValuesFile('default')] }))).toEqual([]);
  });

  it("closes the operator pods to everyone but the monitoring namespace's Prometheus, on the metrics port", () => {
    const manifests = renderChart({
      set: { 'networkPolicy.enabled': 'true', 'networkPolicy.monitoringNamespace': 'monitoring' },
    });
    const np = findManifest(manifests, 'NetworkPolicy', 'ms-modeswitch-operator') as any;
    expect(np.metadata.namespace).toBe('modeswitch-system');
    // It selects exactly the operator's pods.
    expect(np.spec.podSelector.matchLabels).toEqual(
      (operatorDeployment(manifests).manifest as any).spec.selector.matchLabels,
    );
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: 'metrics', protocol: 'TCP' }],
      },
    ]);
  });

  it('admits nobody without a monitoring namespace, and refuses one that is not a namespace name', () => {
    const np = findManifest(renderChart({ set: { 'networkPolicy.enabled': 'true' } }), 'NetworkPolicy') as any;
    expect(np.spec.ingress).toEqual([]);
    expect(
      renderChartError({
        set: { 'networkPolicy.enabled': 'true', 'networkPolicy.monitoringNamespace': 'Mon_itoring' },
      }),
    ).toContain('monitoringNamespace');
  });
});
