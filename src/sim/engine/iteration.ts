import { stepKernelBusyFraction, stepPowerWatts } from '../../model/power.js';
import { stepCost, type HardwareContext, type StepCost, type StepWork } from '../../model/roofline.js';
import type { PlannedWork } from './scheduler.js';

/** One engine iteration in flight: its work, when it ends, and what it draws. */
export interface Iteration {
  start: number;
  end: number;
  /** Per-GPU watts. */
  power: number;
  busyFraction: number;
  work: PlannedWork[];
  /** Tokens the forward pass computes (each decoding sequence counts its verified tokens). */
  queryTokens: number;
  /** Draft tokens each decoding sequence verifies in this step (0 without speculation). */
  draftTokens: number;
  cost: StepCost;
}

function stepWorkOf(planned: readonly PlannedWork[], draftTokens: number): StepWork {
  const work: StepWork = {
    draftTokens,
    prefillTokens: 0,
    prefillAttention: 0,
    prefillSeqs: 0,
    decodeSeqs: 0,
    decodeContext: 0,
    loraSeqs: 0,
  };
  for (const p of planned) {
    if (p.seq.req.adapter !== undefined) work.loraSeqs = (work.loraSeqs ?? 0) + 1;
    if (p.decode) {
      work.decodeSeqs += 1;
      work.decodeContext += p.seq.req.promptTokens + p.seq.generated;
    } else {
      const start = p.seq.prefillDone;
      work.prefillTokens += p.prefillChunk;
      work.prefillSeqs += 1;
      work.prefillAttention += p.prefillChunk * start + (p.prefillChunk * (p.prefillChunk + 1)) / 2;
    }
  }
  return work;
}

/** Times and prices the planned work from the roofline and power models. */
export function startIteration(
  hw: HardwareContext,
  planned: PlannedWork[],
  draftTokens: number,
  now: number,
): Iteration {
  const cost = stepCost(hw, stepWorkOf(planned, draftTokens));
  const queryTokens = planned.reduce((s, p) => s + (p.decode ? draftTokens + 1 : p.prefillChunk), 0);
  return {
    start: now,
    end: now + cost.seconds,
    power: stepPowerWatts(hw.gpu, cost, hw.calibration, hw.tensorParallelCalibration),
    busyFraction: stepKernelBusyFraction(cost),
    work: planned,
    queryTokens,
    draftTokens,
    cost,
  };
}
