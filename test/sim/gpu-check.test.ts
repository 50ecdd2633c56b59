import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/api/repo-root.js';
import { simPredictions } from '../../scripts/gpu-check/predictions.js';

const root = repoRoot();

describe('GPU check (scripts/gpu-check)', () => {
  it('without an NVIDIA driver it says no GPU was measured and exits non-zero', () => {
    const run = spawnSync(
      'python3',
      [join(root, 'scripts/gpu-check/gpu_check.py'), '--nvml-library', '/nonexistent/libnvidia-ml.so.1'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/no NVIDIA GPU to measure .*nothing was measured/);
    expect(run.stdout).toBe('');
  });

  it("ships the calibrated simulator's current predictions (re-run export-predictions after recalibrating)", () => {
    const shipped: unknown = JSON.parse(readFileSync(join(root, 'scripts/gpu-check/sim-predictions.json'), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(simPredictions())));
  });
});
