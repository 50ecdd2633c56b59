import { batchWithin, predictInterToken, predictJoulesPerToken, predictTtft, type ModeModel } from '../../capacity/mode-model.js';
import { FILL_UP, meanInterTokenTarget, type LatencyTarget } from '../../capacity/sizing.js';

/** A mode as objective routing sees it for one request. */
export interface ObjectiveCandidate {
  mode: string;
  model: ModeModel;
  /** Accuracy change of this mode for the request's type, points (≤ 0). */
  qualityDeltaPoints: number;
  /** Requests in flight on the mode's least-loaded ready pod; undefined when the mode has no ready pod (cold). */
  batch: number | undefined;
}

export interface ObjectiveChoice {
  mode: string;
  /** The mode the objective prefers for this request (lowest J/token the quality budget allows). */
  preferred: string;
  /** Set when the preferred mode could not take the request (cold, or past the SLO): demand the planner should see. */
  wanted?: string;
  meetsSlo: boolean;
  reason: string;
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

function meets(c: ObjectiveCandidate, promptTokens: number, target: LatencyTarget): boolean {
  if (c.batch === undefined) return false;
  const batch = c.batch + 1;
  return predictInterToken(c.model, batch) <= meanInterTokenTarget(target) && predictTtft(c.model, promptTokens, 0, batch) <= target.ttftP95Seconds;
}

/**
 * Chooses a mode by the objective: among the modes whose accuracy change for this request stays within its quality
 * allowance (QualityLedger), the one with the lowest energy per token whose predicted time to first token and inter-token time at its
 * current load (the router's own in-flight count) meet the SLO. When the preferred mode is cold or full, a warm mode
 * that meets the SLO serves and the preferred one is reported as wanted; when none meets it, the warm allowed mode
 * with the shortest predicted first token does (any warm mode if no allowed one is warm). Undefined with no warm mode.
 */
export function chooseByObjective(candidates: readonly ObjectiveCandidate[], promptTokens: number, target: LatencyTarget, allowancePoints: number): ObjectiveChoice | undefined {
  const allowed = candidates.filter((c) => -c.qualityDeltaPoints <= allowancePoints + 1e-9);
  const ranked = [...allowed].sort((a, b) => efficiencyJoulesPerToken(a.model, target) - efficiencyJoulesPerToken(b.model, target));
  const preferred = ranked[0];
  if (!preferred) return undefined;
  const fit = ranked.find((c) => meets(c, promptTokens, target));
  if (fit) {
    const choice: ObjectiveChoice = { mode: fit.mode, preferred: preferred.mode, meetsSlo: true, reason: fit === preferred ? 'lowest J/token within the SLO' : `${preferred.mode} is ${preferred.batch === undefined ? 'cold (no ready pod within the guards)' : 'past the SLO'}; next lowest J/token within the SLO` };
    if (fit !== preferred) choice.wanted = preferred.mode;
    return choice;
  }
  const warm = (cs: readonly ObjectiveCandidate[]) => cs.filter((c) => c.batch !== undefined);
  const pool = warm(allowed).length > 0 ? warm(allowed) : warm(candidates);
  const ttft = (c: ObjectiveCandidate) => predictTtft(c.model, promptTokens, 0, (c.batch ?? 0) + 1);
  const fastest = [...pool].sort((a, b) => ttft(a) - ttft(b))[0];
  if (!fastest) return undefined;
  const choice: ObjectiveChoice = { mode: fastest.mode, preferred: preferred.mode, meetsSlo: false, reason: 'no warm mode meets the SLO; fastest first token' };
  if (fastest !== preferred) choice.wanted = preferred.mode;
  return choice;
}
