import { CHART_CI_VALUES, CHART_DIR, ciValuesFile } from './support/paths.js';
import { renderChart } from './support/render-chart.js';
import { runTool } from './support/run-tool.js';
import { requireTool } from './support/tools.js';
import { validateManifest } from './support/validate-manifest.js';

describe.each(CHART_CI_VALUES)('chart with ci/%s-values.yaml', (values) => {
  it('passes helm lint --strict', () => {
    const result = runTool(requireTool('helm'), ['lint', '--strict', CHART_DIR, '--values', ciValuesFile(values)]);
    expect(`${result.stdout}${result.stderr}`).toContain('0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it('renders only objects that match their Kubernetes schemas', () => {
    const manifests = renderChart({ valuesFiles: [ciValuesFile(values)], includeCrds: true });
    expect(manifests.length).toBeGreaterThan(5);
    for (const manifest of manifests) expect(() => validateManifest(manifest)).not.toThrow();
  });

  it('gives every object the chart labels and a unique kind/namespace/name', () => {
    const manifests = renderChart({ valuesFiles: [ciValuesFile(values)] });
    const ids = manifests.map((m) => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of manifests) {
      expect(m.metadata.labels).toMatchObject({
        'app.kubernetes.io/instance': 'ms',
        'app.kubernetes.io/part-of': 'modeswitch',
      });
    }
  });
});
