/**
 * `npm run bench:policy`: replays the Azure conversation and code traces through simulated H100 fleets, one per
 * strategy (always-FP16, each fixed mode, the example ModeSwitch policy, the hindsight oracle), on the same GPU count,
 * faster than real time; then, on the same traces and a multi-hour workload with a daily swing, the same strategies
 * autoscaled by the capacity planner at one SLO (docs/capacity.md). Writes bench/results/policy.{md,json} and one SVG
 * chart per trace. Method: docs/policy-benchmark.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../src/api/repo-root.js';
import { loadPolicyFile } from '../src/router/config/start-from-config.js';
import { compareCapacity } from '../src/replay/scaling/capacity-strategies.js';
import { compareStrategies } from '../src/replay/strategies.js';
import { dailyWorkload } from '../src/sim/workload/daily.js';
import { loadTrace, sliceTrace, type TraceName } from '../src/sim/workload/trace.js';
import { synthesizeWorkload, type WorkloadRequest } from '../src/sim/workload/synthesize.js';
import { capacityRows, capacityTable, capacityVerdict, type CapacityRow } from './policy/capacity.js';
import { markdownTable } from './policy/markdown.js';
import { benchRows, type BenchRow } from './policy/rows.js';
import { svgChart } from './policy/svg-chart.js';
import { TARGETS, verdictLines } from './policy/verdict.js';

const TRACE_TITLES: Record<TraceName, string> = { conv: 'Azure conversation trace', code: 'Azure code trace' };

const { values } = parseArgs({
  options: {
    trace: { type: 'string', default: 'conv,code' },
    minutes: { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    gpu: { type: 'string', default: 'h100-80gb' },
    policy: { type: 'string', default: 'deploy/examples/llama-3.1-8b-h100.yaml' },
    out: { type: 'string', default: 'bench/results' },
    // The capacity comparison's SLO: MLPerf Inference's interactive scenario for Llama 3.1 8B (TTFT 0.5 s, 30 ms per
    // output token), here as p95 TTFT and mean inter-token time; the quality budget is the published 0.2 points.
    'slo-ttft': { type: 'string', default: '0.5' },
    'slo-itl': { type: 'string', default: '0.03' },
    'quality-budget': { type: 'string', default: '0.2' },
    'max-gpus': { type: 'string', default: '8' },
    // The multi-hour workload: hours of `daily-trace` compressed to `daily-peak` × their rate, one day's swing over
    // `daily-hours`. Other traces, peaks and seeds than the report's are the held-out traffic (docs/policy-benchmark.md).
    'daily-trace': { type: 'string', default: 'conv' },
    'daily-hours': { type: 'string', default: '3' },
    'daily-peak': { type: 'string', default: '2' },
    // Static pools only (Node 20's parseArgs has no --no-* negation).
    'skip-capacity': { type: 'boolean', default: false },
  },
});
const root = repoRoot();
const seed = Number(values.seed);
const minutes = Number(values.minutes);
const policyPath = join(root, values.policy);
const policy = loadPolicyFile(policyPath, (p) => readFileSync(p, 'utf8'));
const outDir = join(root, values.out);
mkdirSync(outDir, { recursive: true });

const target = {
  ttftP95Seconds: Number(values['slo-ttft']),
  interToken: { statistic: 'mean' as const, seconds: Number(values['slo-itl']) },
};
const capacityOptions = {
  policy,
  gpu: values.gpu,
  model: 'llama-3.1-8b-instruct',
  seed,
  baselineMode: 'fp16',
  target,
  qualityBudgetPoints: Number(values['quality-budget']),
  capacity: { maxGpus: Number(values['max-gpus']), scaleDownDelaySeconds: 300, idleToZeroSeconds: 900 },
  onStrategy: (name: string) => process.stdout.write(`  autoscaled: ${name}…\n`),
};
const capacityResults: { workload: string; requests: number; rows: CapacityRow[] }[] = [];
function runCapacity(workload: string, requests: readonly WorkloadRequest[]): void {
  if (values['skip-capacity']) return;
  const started = performance.now();
  const rows = capacityRows(compareCapacity({ ...capacityOptions, requests }));
  capacityResults.push({ workload, requests: requests.length, rows });
  process.stdout.write(
    `${capacityTable(rows)}\n${capacityVerdict(rows).join('\n')}\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
}

const results: { trace: TraceName; requests: number; minutes: number; rows: BenchRow[] }[] = [];
// `--trace=` (empty) skips the one-hour traces: only the multi-hour workload runs.
for (const trace of values.trace.split(',').filter((t) => t !== '') as TraceName[]) {
  const started = performance.now();
  const records = sliceTrace(loadTrace(trace), 0, minutes * 60);
  const requests = synthesizeWorkload(records, { trace, seed });
  process.stdout.write(
    `\n${TRACE_TITLES[trace]}: ${requests.length} requests over ${minutes} min, policy ${values.policy}, ${values.gpu}, seed ${seed}\n`,
  );
  const comparison = compareStrategies({
    policy,
    requests,
    gpu: values.gpu,
    model: 'llama-3.1-8b-instruct',
    seed,
    baselineMode: 'fp16',
    maxMeanLossPoints: TARGETS.maxQualityLossPoints,
    tickSeconds: 1,
    onStrategy: (name) => process.stdout.write(`  replaying ${name}…\n`),
  });
  const rows = benchRows(comparison);
  results.push({ trace, requests: requests.length, minutes, rows });
  process.stdout.write(
    `${markdownTable(rows)}\n${verdictLines(rows).join('\n')}\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  runCapacity(TRACE_TITLES[trace], requests);
  writeFileSync(
    join(outDir, `policy-${trace}.svg`),
    svgChart({
      title: `${TRACE_TITLES[trace]}, ${minutes} min, ${rows[0]?.gpus ?? 0} × ${values.gpu}: strategies against always-FP16`,
      rows,
    }),
  );
}

const dailyHours = Number(values['daily-hours']);
const dailyTrace = values['daily-trace'] as TraceName;
const dailyTitle = `multi-hour: ${dailyHours} h of the ${dailyTrace === 'conv' ? 'conversation' : dailyTrace} trace at up to ${values['daily-peak']}x its rate, one day's swing (trough 10%)`;
if (!values['skip-capacity'] && dailyHours > 0) {
  const records = dailyWorkload(loadTrace(dailyTrace), {
    hours: dailyHours,
    dayHours: dailyHours,
    troughShare: 0.1,
    peakRateScale: Number(values['daily-peak']),
    seed,
  });
  const requests = synthesizeWorkload(records, { trace: dailyTrace, seed });
  process.stdout.write(`\n${dailyTitle}: ${requests.length} requests\n`);
  runCapacity(dailyTitle, requests);
}

const sloLine = `SLO p95 TTFT ≤ ${target.ttftP95Seconds} s, mean inter-token ≤ ${target.interToken.seconds} s; quality budget ${capacityOptions.qualityBudgetPoints} points; at most ${capacityOptions.capacity.maxGpus} GPUs`;
const md = [
  '# Policy benchmark results',
  '',
  `Generated by \`npm run bench:policy\` (policy \`${values.policy}\`, GPU ${values.gpu}, seed ${seed}, first ${minutes} min of each trace).`,
  'A calibrated simulation, not a GPU measurement: see docs/policy-benchmark.md for the method and its limits.',
  ...results.flatMap((r) => [
    '',
    `## ${TRACE_TITLES[r.trace]} (${r.requests} requests)`,
    '',
    markdownTable(r.rows),
    '',
    ...verdictLines(r.rows),
    '',
    `![chart](policy-${r.trace}.svg)`,
  ]),
  ...(capacityResults.length > 0 ? ['', '# Autoscaled by the capacity planner (docs/capacity.md)', '', sloLine] : []),
  ...capacityResults.flatMap((r) => [
    '',
    `## ${r.workload} (${r.requests} requests)`,
    '',
    capacityTable(r.rows),
    '',
    ...capacityVerdict(r.rows),
  ]),
  '',
].join('\n');
writeFileSync(join(outDir, 'policy.md'), md);
writeFileSync(
  join(outDir, 'policy.json'),
  `${JSON.stringify({ policy: values.policy, gpu: values.gpu, seed, targets: TARGETS, traces: results, capacity: { slo: target, qualityBudgetPoints: capacityOptions.qualityBudgetPoints, maxGpus: capacityOptions.capacity.maxGpus, workloads: capacityResults } }, null, 2)}\n`,
);
process.stdout.write(`\nwrote ${join(values.out, 'policy.md')}, policy.json and policy-<trace>.svg\n`);
