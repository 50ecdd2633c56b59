/**
 * Fits the drafter's one constant (src/model/calibration.ts, SPECULATIVE_CALIBRATION) to vLLM issue #20780: EAGLE-3
 * with 3 draft tokens on Llama-3.1-8B-Instruct (BF16, one H100, batch 1) takes 4.09 ms per output token against
 * 7.07 ms without speculation at a mean accepted length of 2.79, so one speculative step (3 drafter passes and a
 * 4-token verification) costs 4.09 x 2.79 / 7.07 = 1.62 plain decode steps. Bisection on the step-cost ratio at the
 * issue's shape (batch 1, ~512 tokens of context). Nothing here looks at ModeSwitch's own targets.
 *
 *   npm run build && node dist/scripts/calibrate/fit-speculative.js           # print the fitted constant
 *   npm run build && node dist/scripts/calibrate/fit-speculative.js --check   # exit 1 if calibration.ts differs
 */
import { ENGINE_CALIBRATION, SPECULATIVE_CALIBRATION } from '../../src/model/calibration.js';
import { gpuById } from '../../src/model/gpus.js';
import { resolveMode } from '../../src/model/mode-presets.js';
import { modelById } from '../../src/model/models.js';
import { stepCost, type HardwareContext, type StepWork } from '../../src/model/roofline.js';

/** vLLM #20780: 4.09 ms x 2.79 tokens per step / 7.07 ms per plain step. */
export const MEASURED_STEP_RATIO = (4.09 * 2.79) / 7.07;
const CONTEXT = 512;

const work: StepWork = {
  prefillTokens: 0,
  prefillAttention: 0,
  prefillSeqs: 0,
  decodeSeqs: 1,
  decodeContext: CONTEXT,
};
const base = { gpu: gpuById('h100-80gb'), model: modelById('llama-3.1-8b-instruct'), tensorParallel: 1 };
const plain: HardwareContext = { ...base, profile: resolveMode('bf16'), calibration: ENGINE_CALIBRATION };

function ratio(draftPassOverheadFraction: number): number {
  const spec: HardwareContext = {
    ...base,
    profile: resolveMode('spec-eagle3'),
    calibration: ENGINE_CALIBRATION,
    speculativeCalibration: { draftPassOverheadFraction },
  };
  return stepCost(spec, work).seconds / stepCost(plain, work).seconds;
}

let lo = 0;
let hi = 4;
for (let i = 0; i < 60; i += 1) {
  const mid = (lo + hi) / 2;
  if (ratio(mid) < MEASURED_STEP_RATIO) lo = mid;
  else hi = mid;
}
const fitted = Math.round(lo * 100) / 100;
process.stdout.write(
  `draftPassOverheadFraction ${fitted} (step ratio ${ratio(fitted).toFixed(3)}, measured ${MEASURED_STEP_RATIO.toFixed(3)})\n`,
);
if (fitted !== SPECULATIVE_CALIBRATION.draftPassOverheadFraction) {
  process.stdout.write(`src/model/calibration.ts has ${SPECULATIVE_CALIBRATION.draftPassOverheadFraction}\n`);
  if (process.argv.includes('--check')) process.exit(1);
}
