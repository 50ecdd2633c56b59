import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_DIR, REPO_ROOT } from './support/paths.js';
import { runTool } from './support/run-tool.js';

describe('generated packaging files', () => {
  it('match their sources (chart CRDs, install.yaml, dashboard and alert copies)', () => {
    const result = runTool(process.execPath, [join(REPO_ROOT, 'scripts/sync-chart.mjs'), '--check']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('include every CRD of crds/ in the chart', () => {
    const crds = readdirSync(join(REPO_ROOT, 'crds')).filter((f) => f.endsWith('.yaml'));
    expect(crds.length).toBeGreaterThan(0);
    for (const file of crds) {
      expect(readFileSync(join(CHART_DIR, 'crds', file), 'utf8')).toBe(
        readFileSync(join(REPO_ROOT, 'crds', file), 'utf8'),
      );
    }
  });
});
