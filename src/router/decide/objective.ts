import {
  batchWithin,
  evaluate,
  predictInterToken,
  predictJoulesPerToken,
  predictTtft,
  type LinearFit,
  type ModeModel,
} from '../../model/mode-model.js';
import { FILL_UP, meanInterTokenTarget, type LatencyTarget } from '../../capacity/sizing.js';

/** A mode as objective routing sees it for one request. */
export interface ObjectiveCandidate {
  mode: string;
  model: ModeModel;
  /**
   * The model modes are ranked by (lowest J/token at the efficient batch); `model` when absent. Objective routing ranks
   * by each mode's model at the traffic it was seeded or learned on, not scaled to one request's type and temperature:
   * a per-request re-ranking splits traffic between modes whose efficiencies differ by a few percent, and each then
   * runs at a less efficient batch (in the capacity replay it raised the fleet's energy per token by ~40%).
   */
  rankingModel?: ModeModel;
  /** Accuracy change of this mode for the request's type, points (≤ 0). */
  qualityDeltaPoints: number;
  /** Requests in flight on the mode's least-loaded ready pod; undefined when the mode has no ready pod (cold). */
  batch: number | undefined;
  /**
   * Learned seconds a first token waits beyond its prefill against the batch it joins (queueing in the engine
   * included; mode-model-fit.ts). Without it, one decode step of the batch, as the model predicts.
   */
  firstTokenWait?: LinearFit;
}

/** What the model predicts for a request on a mode at the batch it would join. */
export interface ObjectivePrediction {
  /** Sequences on the pod with this request. */
  batch: number;
  ttftSeconds: number;
  interTokenSeconds: number;
  joulesPerToken: number;
}

export interface ObjectiveChoice {
  mode: string;
  /** The mode the objective prefers for this request (lowest J/token the quality budget allows). */
  preferred: string;
  /** Set when the preferred mode could not take the request (cold, or past the SLO): demand the planner should see. */
  wanted?: string;
  meetsSlo: boolean;
  reason: string;
  /** The chosen mode's predicted TTFT, inter-token time and energy per token at the batch it joins. */
  predicted: ObjectivePrediction;
}

/**
 * The quality budget as a mean: a request may take a mode losing up to what keeps the mean loss over every request
 * routed so far within the budget, so cheap exact requests pay for the occasional lossy one.
 */
export class QualityLedger {
  private requests = 0;
  private spent = 0;

  constructor(private readonly budgetPoints: number) {}

  /** Points of accuracy this request may lose. */
  allowance(): number {
    return this.budgetPoints * (this.requests + 1) - this.spent;
  }

  /** Records the loss (points, ≥ 0) of the mode a request went to. */
  charge(lossPoints: number): void {
    this.requests += 1;
    this.spent += Math.max(0, lossPoints);
  }
}

/** A mode's energy per token at its efficient, SLO-keeping batch: the order in which objective routing prefers modes. */
export function efficiencyJoulesPerToken(model: ModeModel, target: LatencyTarget): number {
  return predictJoulesPerToken(model, Math.max(1, batchWithin(model, meanInterTokenTarget(target)) * FILL_UP));
}

/** Predicted time to first token for a prompt joining a batch: its prefill, then the learned wait or one decode step. */
export function predictFirstToken(
  c: Pick<ObjectiveCandidate, 'model' | 'firstTokenWait'>,
  promptTokens: number,
  batch: number,
): number {
  if (!c.firstTokenWait) return predictTtft(c.model, promptTokens, 0, batch);
  return (
    Math.max(0, evaluate(c.model.prefill, promptTokens)) + Math.max(0, evaluate(c.firstTokenWait, Math.max(1, batch)))
  );
}

/** The model's predictions for a request joining a mode's pod (its load, plus this request). */
export function predictOn(
  c: Pick<ObjectiveCandidate, 'model' | 'firstTokenWait' | 'batch'>,
  promptTokens: number,
): ObjectivePrediction {
  const batch = (c.batch ?? 0) + 1;
  return {
    batch,
    ttftSeconds: predictFirstToken(c, promptTokens, batch),
    interTokenSeconds: predictInterToken(c.model, batch),
    joulesPerToken: predictJoulesPerToken(c.model, batch),
  };
}

function meets(c: ObjectiveCandidate, promptTokens: number, target: LatencyTarget): boolean {
  if (c.batch === undefined) return false;
  const batch = c.batch + 1;
  return (
    predictInterToken(c.model, batch) <= meanInterTokenTarget(target) &&
    predictFirstToken(c, promptTokens, batch) <= target.ttftP95Seconds
  );
}

/**
 * Chooses a mode by the objective: among the modes whose accuracy change for this request stays within its quality
 * allowance (QualityLedger), the one with the lowest energy per token whose predicted time to first token and inter-token time at its
 * current load (the router's own in-flight count) meet the SLO. When the preferred mode is cold or full, a warm mode
 * that meets the SLO serves and the preferred one is reported as wanted; when none meets it, the warm allowed mode
 * with the shortest predicted first token does (any warm mode if no allowed one is warm). Undefined with no warm mode.
 */
export function chooseByObjective(
  candidates: readonly ObjectiveCandidate[],
  promptTokens: number,
  target: LatencyTarget,
  allowancePoints: number,
): ObjectiveChoice | undefined {
  const allowed = candidates.filter((c) => -c.qualityDeltaPoints <= allowancePoints + 1e-9);
  const efficiency = (c: ObjectiveCandidate) => efficiencyJoulesPerToken(c.rankingModel ?? c.model, target);
  const ranked = [...allowed].sort((a, b) => efficiency(a) - efficiency(b));
  const preferred = ranked[0];
  if (!preferred) return undefined;
  const fit = ranked.find((c) => meets(c, promptTokens, target));
  if (fit) {
    const reason =
      fit === preferred
        ? 'lowest J/token within the SLO'
        : `${preferred.mode} is ${preferred.batch === undefined ? 'cold (no ready pod within the guards)' : 'past the SLO'}; ` +
          `next lowest J/token within the SLO`;
    const choice: ObjectiveChoice = {
      mode: fit.mode,
      preferred: preferred.mode,
      meetsSlo: true,
      reason,
      predicted: predictOn(fit, promptTokens),
    };
    if (fit !== preferred) choice.wanted = preferred.mode;
    return choice;
  }
  const warm = (cs: readonly ObjectiveCandidate[]) => cs.filter((c) => c.batch !== undefined);
  const pool = warm(allowed).length > 0 ? warm(allowed) : warm(candidates);
  const ttft = (c: ObjectiveCandidate) => predictFirstToken(c, promptTokens, (c.batch ?? 0) + 1);
  const fastest = [...pool].sort((a, b) => ttft(a) - ttft(b))[0];
  if (!fastest) return undefined;
  const choice: ObjectiveChoice = {
    mode: fastest.mode,
    preferred: preferred.mode,
    meetsSlo: false,
    reason: 'no warm mode meets the SLO; fastest first token',
    predicted: predictOn(fastest, promptTokens),
  };
  if (fastest !== preferred) choice.wanted = preferred.mode;
  return choice;
}
