/**
 * Fits tensor parallelism's two constants (src/model/calibration.ts, TENSOR_PARALLEL_CALIBRATION) to ML.ENERGY
 * Leaderboard v3's Llama-3.1-70B-Instruct BF16 runs on 4 x H100 (data/ml-energy/llama-3.1-70b-instruct-bf16.json),
 * replaying the benchmark's workload shape at every published max_num_seqs with the engine constants fitted on the 8B
 * runs held fixed. The 70B rows were extracted without output-length histograms; each borrows the 8B run's at the
 * same max_num_seqs (same benchmark requests). Nothing here looks at ModeSwitch's own targets.
 *
 *   npm run build && node dist/scripts/calibrate/fit-tensor-parallel.js           # fit, print constants and table
 *   npm run build && node dist/scripts/calibrate/fit-tensor-parallel.js --check   # exit 1 if calibration.ts differs
 *
 * Stage 1: the all-reduce bandwidth, golden-section search on log throughput error (least squares); stage 2 holds
 * the timing and fits the power weight of all-reduce time on a 0.05 grid over [0, 1] (least squares on log power).
 */
import { TENSOR_PARALLEL_CALIBRATION, type TensorParallelCalibration } from '../../src/model/calibration.js';
import { resolveMode } from '../../src/model/mode-presets.js';
import {
  loadMlEnergyDataset,
  replayMlEnergyRow,
  withBorrowedHistogram,
  type MlEnergyRow,
  type ReplayResult,
} from '../../src/sim/workload/ml-energy.js';

const donors = loadMlEnergyDataset('llama-3.1-8b-instruct-bf16').rows.filter((r) => r.gpu === 'H100');
const rows = loadMlEnergyDataset('llama-3.1-70b-instruct-bf16').rows.map((r) => withBorrowedHistogram(r, donors));

const replay = (row: MlEnergyRow, tensorParallelCalibration: TensorParallelCalibration): ReplayResult =>
  replayMlEnergyRow(row, {
    gpu: 'h100-80gb',
    model: 'llama-3.1-70b-instruct',
    mode: resolveMode('bf16'),
    tensorParallel: row.tensorParallel,
    tensorParallelCalibration,
  });

const sq = (x: number): number => x * x;
const throughputLoss = (bytesPerSecond: number): number =>
  rows.reduce(
    (s, r) =>
      s +
      sq(
        Math.log(
          replay(r, { ...TENSOR_PARALLEL_CALIBRATION, allReduceBytesPerSecond: bytesPerSecond }).outputTokensPerSecond /
            r.outputTokensPerSecond,
        ),
      ),
    0,
  );

// Golden-section search over log10(bandwidth) in [10 GB/s, 1 TB/s].
let lo = 10;
let hi = 12;
const phi = (Math.sqrt(5) - 1) / 2;
for (let i = 0; i < 18; i += 1) {
  const a = hi - phi * (hi - lo);
  const b = lo + phi * (hi - lo);
  if (throughputLoss(10 ** a) < throughputLoss(10 ** b)) hi = b;
  else lo = a;
}
const allReduceBytesPerSecond = Math.round(10 ** ((lo + hi) / 2) / 1e9) * 1e9;

let best = { weight: 0, loss: Number.POSITIVE_INFINITY };
for (let w = 0; w <= 1.0001; w += 0.05) {
  const weight = Math.round(w * 100) / 100;
  const loss = rows.reduce(
    (s, r) =>
      s +
      sq(
        Math.log(
          replay(r, { allReduceBytesPerSecond, communicationPowerWeight: weight }).averagePowerWatts /
            r.averagePowerWatts,
        ),
      ),
    0,
  );
  if (loss < best.loss) best = { weight, loss };
}
const fitted: TensorParallelCalibration = { allReduceBytesPerSecond, communicationPowerWeight: best.weight };

const pct = (sim: number, measured: number): string => `${((sim / measured - 1) * 100).toFixed(0)}%`;
process.stdout.write(
  `allReduceBytesPerSecond ${fitted.allReduceBytesPerSecond / 1e9}e9, communicationPowerWeight ${fitted.communicationPowerWeight}\n\n` +
    '| max_num_seqs | measured tok/s | simulated | measured W (4 GPUs) | simulated |\n| --- | --- | --- | --- | --- |\n',
);
for (const r of rows) {
  const s = replay(r, fitted);
  process.stdout.write(
    `| ${r.maxNumSeqs} | ${r.outputTokensPerSecond.toFixed(0)} | ${s.outputTokensPerSecond.toFixed(0)} (${pct(s.outputTokensPerSecond, r.outputTokensPerSecond)}) | ` +
      `${r.averagePowerWatts.toFixed(0)} | ${s.averagePowerWatts.toFixed(0)} (${pct(s.averagePowerWatts, r.averagePowerWatts)}) |\n`,
  );
}
const differs =
  fitted.allReduceBytesPerSecond !== TENSOR_PARALLEL_CALIBRATION.allReduceBytesPerSecond ||
  fitted.communicationPowerWeight !== TENSOR_PARALLEL_CALIBRATION.communicationPowerWeight;
if (differs) {
  process.stdout.write('\nsrc/model/calibration.ts differs from the fit\n');
  if (process.argv.includes('--check')) process.exit(1);
}
