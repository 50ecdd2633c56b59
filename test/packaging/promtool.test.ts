import { join } from 'node:path';
import { CHART_DIR, REPO_ROOT } from './support/paths.js';
import { runTool } from './support/run-tool.js';
import { requireTool } from './support/tools.js';

const RULE_FILES = [join(CHART_DIR, 'rules/alerts.yaml'), join(REPO_ROOT, 'deploy/prometheus/alerts.yaml')];

describe('Prometheus rules', () => {
  it.each(RULE_FILES)('%s passes promtool check rules', (file) => {
    const result = runTool(requireTool('promtool'), ['check', 'rules', file]);
    expect(result.stdout).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('fire and stay quiet as the unit tests in promtool/alerts-unit.yaml expect', () => {
    const result = runTool(requireTool('promtool'), [
      'test',
      'rules',
      join(REPO_ROOT, 'test/packaging/promtool/alerts-unit.yaml'),
    ]);
    expect(`${result.stdout}${result.stderr}`).not.toContain('FAILED');
    expect(result.status).toBe(0);
  });
});
