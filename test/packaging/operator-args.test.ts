import { runOperator } from '../../src/cli/operator.js';
import { operatorDeployment } from './support/operator-deployment.js';
import { CHART_CI_VALUES, ciValuesFile } from './support/paths.js';
import { renderChart } from './support/render-chart.js';

/** Runs fn with stdout and stderr captured instead of printed. */
async function captured<T>(fn: () => Promise<T>): Promise<{ result: T; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const original = { stdout: process.stdout.write, stderr: process.stderr.write };
  process.stdout.write = ((chunk: unknown) => ((out.stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => ((out.stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { result: await fn(), ...out };
  } finally {
    process.stdout.write = original.stdout;
    process.stderr.write = original.stderr;
  }
}

describe.each(CHART_CI_VALUES)('operator command line rendered with ci/%s-values.yaml', (values) => {
  it('is accepted by `modeswitch operator`', async () => {
    const [command, ...flags] = operatorDeployment(renderChart({ valuesFiles: [ciValuesFile(values)] })).container.args;
    expect(command).toBe('operator');
    // --help makes the command stop after parsing its flags; an unknown flag or a missing value exits 2 instead.
    const run = await captured(() => runOperator([...flags, '--help']));
    expect(run.stderr).toBe('');
    expect(run.result).toBe(0);
  });
});

describe('the flag check itself', () => {
  it('rejects an unknown flag even with --help', async () => {
    const run = await captured(() => runOperator(['--no-such-flag', '--help']));
    expect(run.result).toBe(2);
    expect(run.stderr).toContain('no-such-flag');
  });
});
