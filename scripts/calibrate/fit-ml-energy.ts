/**
 * Fits the engine model's timing and power constants (src/model/calibration.ts) to the ML.ENERGY Leaderboard v3
 * runs of Llama-3.1-8B-Instruct BF16 on one H100 (data/ml-energy/), replaying the benchmark's workload shape at every
 * published max_num_seqs. Nothing here looks at ModeSwitch's own targets.
 *
 *   npm run build && node dist/scripts/calibrate/fit-ml-energy.js           # fit, print constants and the table
 *   npm run build && node dist/scripts/calibrate/fit-ml-energy.js --check   # exit 1 if calibration.ts differs
 *
 * Stage 1 fits the two host-overhead constants to throughput (least squares on log throughput, Nelder-Mead); stage 2
 * holds the timing fixed and fits the memory and overhead power weights to average power (least squares on log power,
 * grid over [0, 1]; power never feeds back into timing, so stage 2 reuses one replay per row). The compute weight
 * stays 1: prefill-heavy iterations run at the board limit.
 */
import { ENGINE_CALIBRATION, type EngineCalibration } from '../../src/model/calibration.js';
import { gpuById } from '../../src/model/gpus.js';
import { resolveMode } from '../../src/model/mode-presets.js';
import type { StepCost } from '../../src/model/roofline.js';
import {
  LM_ARENA_PROMPT_TOKENS,
  loadMlEnergyDataset,
  replayMlEnergyRow,
  type MlEnergyRow,
  type ReplayResult,
} from '../../src/sim/workload/ml-energy.js';
import { minimise } from './nelder-mead.js';

const GPU = gpuById('h100-80gb');
const MODEL = 'llama-3.1-8b-instruct';
const MODE = resolveMode('bf16');
const rows = loadMlEnergyDataset('llama-3.1-8b-instruct-bf16').rows.filter((r) => r.gpu === 'H100' && r.numGpus === 1);

const replay = (
  row: MlEnergyRow,
  calibration: EngineCalibration,
  onStep?: (cost: StepCost, start: number, end: number) => void,
): ReplayResult =>
  replayMlEnergyRow(row, {
    gpu: GPU,
    model: MODEL,
    mode: MODE,
    calibration,
    ...(onStep ? { onStep: (s) => onStep(s.cost, s.start, s.end) } : {}),
  });

/** Fixed starting point (the pre-calibration constants), so a re-run reproduces the same fit whatever is committed. */
const TIMING_START = { stepMs: 1.5, perSeqUs: 40 };

const sq = (x: number): number => x * x;
const roundTo = (x: number, step: number): number => Math.round(x / step) * step;

function fitTiming(): Pick<EngineCalibration, 'stepOverheadSeconds' | 'perSequenceOverheadSeconds'> {
  const at = ([stepMs, perSeqUs]: number[]) => ({
    ...ENGINE_CALIBRATION,
    stepOverheadSeconds: Math.abs(stepMs!) / 1e3,
    perSequenceOverheadSeconds: Math.abs(perSeqUs!) / 1e6,
  });
  const loss = (x: number[]): number =>
    rows.reduce((s, row) => s + sq(Math.log(replay(row, at(x)).outputTokensPerSecond / row.outputTokensPerSecond)), 0);
  const best = minimise(loss, [TIMING_START.stepMs, TIMING_START.perSeqUs], [0.5, 10], 40);
  const fitted = at(best);
  return {
    stepOverheadSeconds: roundTo(fitted.stepOverheadSeconds, 1e-5),
    perSequenceOverheadSeconds: roundTo(fitted.perSequenceOverheadSeconds, 1e-6),
  };
}

interface StepShare {
  seconds: number;
  compute: number;
  memory: number;
  overhead: number;
}

function fitPower(timing: EngineCalibration): Pick<EngineCalibration, 'memoryPowerWeight' | 'overheadPowerWeight'> {
  const perRow = rows.map((row) => {
    const steps: StepShare[] = [];
    const all: { cost: StepCost; start: number; end: number }[] = [];
    const result = replay(row, timing, (cost, start, end) => all.push({ cost, start, end }));
    for (const s of all) {
      if (s.start < result.window.start || s.end > result.window.end) continue;
      steps.push({
        seconds: s.cost.seconds,
        compute: s.cost.computeSeconds,
        memory: s.cost.memorySeconds + s.cost.draftSeconds,
        overhead: s.cost.overheadSeconds,
      });
    }
    return { row, steps };
  });
  const averagePower = (steps: StepShare[], memoryWeight: number, overheadWeight: number): number => {
    let energy = 0;
    let seconds = 0;
    for (const s of steps) {
      const activity = Math.min(
        1,
        (s.compute * timing.computePowerWeight + s.memory * memoryWeight + s.overhead * overheadWeight) / s.seconds,
      );
      energy += (GPU.idleWatts + (GPU.maxWatts - GPU.idleWatts) * activity) * s.seconds;
      seconds += s.seconds;
    }
    return energy / seconds;
  };
  // Average power is close to linear in the two weights, and a second of any kind of work draws at most the board
  // limit, so a grid over [0, 1] at the precision kept (0.01) finds the least-squares weights exactly.
  const loss = (m: number, o: number): number =>
    perRow.reduce((s, { row, steps }) => s + sq(Math.log(averagePower(steps, m, o) / row.averagePowerWatts)), 0);
  let best = { memoryPowerWeight: 0, overheadPowerWeight: 0, loss: Number.POSITIVE_INFINITY };
  for (let i = 0; i <= 100; i += 1) {
    for (let j = 0; j <= 100; j += 1) {
      const l = loss(i / 100, j / 100);
      if (l < best.loss) best = { memoryPowerWeight: i / 100, overheadPowerWeight: j / 100, loss: l };
    }
  }
  return { memoryPowerWeight: best.memoryPowerWeight, overheadPowerWeight: best.overheadPowerWeight };
}

const pct = (sim: number, measured: number): string =>
  `${sim >= measured ? '+' : ''}${(((sim - measured) / measured) * 100).toFixed(1)}%`;

function table(calibration: EngineCalibration): string[] {
  const lines = [
    '| max_num_seqs | measured tok/s | sim tok/s | Δ | measured W | sim W | Δ | measured J/token | sim J/token | Δ |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const r = replay(row, calibration);
    lines.push(
      `| ${row.maxNumSeqs} | ${row.outputTokensPerSecond.toFixed(0)} | ${r.outputTokensPerSecond.toFixed(0)} | ${pct(r.outputTokensPerSecond, row.outputTokensPerSecond)} ` +
        `| ${row.averagePowerWatts.toFixed(0)} | ${r.averagePowerWatts.toFixed(0)} | ${pct(r.averagePowerWatts, row.averagePowerWatts)} ` +
        `| ${row.joulesPerOutputToken.toFixed(4)} | ${r.joulesPerOutputToken.toFixed(4)} | ${pct(r.joulesPerOutputToken, row.joulesPerOutputToken)} |`,
    );
  }
  return lines;
}

/** How far the fitted model moves if the (estimated) prompt lengths are half or twice as long. */
function promptSensitivity(calibration: EngineCalibration): string[] {
  return [0.5, 2].map((factor) => {
    let worst = { metric: '', batch: 0, off: 0 };
    for (const row of rows) {
      const r = replayMlEnergyRow(row, {
        gpu: GPU,
        model: MODEL,
        mode: MODE,
        calibration,
        promptLengths: { ...LM_ARENA_PROMPT_TOKENS, median: LM_ARENA_PROMPT_TOKENS.median * factor },
      });
      for (const [metric, sim, measured] of [
        ['tok/s', r.outputTokensPerSecond, row.outputTokensPerSecond],
        ['W', r.averagePowerWatts, row.averagePowerWatts],
        ['J/token', r.joulesPerOutputToken, row.joulesPerOutputToken],
      ] as const) {
        const off = (sim - measured) / measured;
        if (Math.abs(off) > Math.abs(worst.off)) worst = { metric, batch: row.maxNumSeqs, off };
      }
    }
    return `prompt median x${factor}: largest deviation ${pct(worst.off + 1, 1)} (${worst.metric} at max_num_seqs ${worst.batch})`;
  });
}

const check = process.argv.includes('--check');
const timing = { ...ENGINE_CALIBRATION, ...fitTiming() };
const fitted: EngineCalibration = { ...timing, ...fitPower(timing) };
process.stdout.write(
  `fitted on ${rows.length} H100 rows:\n${JSON.stringify(fitted, null, 2)}\n\n${table(fitted).join('\n')}\n\n${promptSensitivity(fitted).join('\n')}\n`,
);
const differs = (Object.keys(fitted) as (keyof EngineCalibration)[]).filter(
  (k) => Math.abs(fitted[k] - ENGINE_CALIBRATION[k]) > 1e-9,
);
if (differs.length > 0) {
  process.stdout.write(`\nsrc/model/calibration.ts differs in: ${differs.join(', ')}\n`);
  if (check) process.exit(1);
} else {
  process.stdout.write('\nsrc/model/calibration.ts matches the fit\n');
}
