import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/api/repo-root.js';

/** The figures docs/policy-benchmark.md says policy.json carries per workload and autoscaled strategy. */
const DOCUMENTED_FIELDS = [
  'gpuHours',
  'fleetJoulesPerOutputToken',
  'requestJoulesPerOutputToken',
  'meanLatencySeconds',
  'ttftP95Seconds',
  'interTokenMeanSeconds',
  'sloAttainment',
  'qualityDeltaPoints',
] as const;

interface CapacityRowJson extends Record<string, unknown> {
  strategy: string;
  kind: string;
  requests: number;
}

interface PolicyResults {
  capacity: { workloads: { workload: string; requests: number; rows: CapacityRowJson[] }[] };
}

// The committed output of `npm run bench:policy`, as a reader of bench/results finds it.
const results = JSON.parse(readFileSync(join(repoRoot(), 'bench', 'results', 'policy.json'), 'utf8')) as PolicyResults;

describe('committed bench:policy results', () => {
  const workloads = results.capacity.workloads;

  it('cover the conversation and code traces and the multi-hour workload', () => {
    expect(workloads.map((w) => w.workload)).toEqual([
      'Azure conversation trace',
      'Azure code trace',
      expect.stringMatching(/^multi-hour: /),
    ]);
  });

  it.each(workloads.map((w) => [w.workload, w] as const))(
    '%s: ModeSwitch with objective routing only sits beside ModeSwitch with rules, every documented figure given',
    (_name, w) => {
      const strategies = w.rows.map((r) => r.strategy);
      const withRules = strategies.indexOf('ModeSwitch (capacity + objective)');
      expect(withRules).toBeGreaterThanOrEqual(0);
      expect(strategies[withRules + 1]).toBe('ModeSwitch, objective only (rules ignored)');
      const row = w.rows[withRules + 1] as CapacityRowJson;
      expect(row.kind).toBe('objective-only');
      expect(row.requests).toBe(w.requests);
      for (const field of DOCUMENTED_FIELDS)
        expect({ field, finite: Number.isFinite(row[field]) }).toEqual({ field, finite: true });
      expect(row.gpuHours).toBeGreaterThan(0);
      expect(row.sloAttainment).toBeGreaterThanOrEqual(0);
      expect(row.sloAttainment).toBeLessThanOrEqual(1);
    },
  );
});
