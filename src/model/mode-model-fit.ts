import type { LinearFit, ModeModel } from './mode-model.js';

/**
 * Exponentially weighted least squares of y on x, kept as decayed sums so each sample costs O(1): recent samples
 * weigh most, and the fit follows a mode whose behaviour drifts (another GPU clock, a new vLLM release).
 */
export class DecayingLine {
  private n = 0;
  private sx = 0;
  private sy = 0;
  private sxx = 0;
  private sxy = 0;

  /** `decay`: weight kept by the past at each new sample (0.99 ≈ the last hundred samples). */
  constructor(private readonly decay: number) {
    if (!(decay > 0 && decay <= 1)) throw new Error(`decay must be in (0, 1], got ${decay}`);
  }

  /** Adds a sample with a weight (pseudo-samples from a prior use a larger one). */
  add(x: number, y: number, weight = 1): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    this.n = this.n * this.decay + weight;
    this.sx = this.sx * this.decay + weight * x;
    this.sy = this.sy * this.decay + weight * y;
    this.sxx = this.sxx * this.decay + weight * x * x;
    this.sxy = this.sxy * this.decay + weight * x * y;
  }

  /**
   * The current fit; undefined before any sample. With one distinct x the slope is kept from `fallbackSlope`; a slope
   * below `minSlope` becomes `minSlope` through the weighted mean (noise must not make a mode faster per sequence as
   * its batch grows, which extrapolates to nothing per token at large batches).
   */
  fit(fallbackSlope = 0, minSlope = -Infinity): LinearFit | undefined {
    if (this.n <= 0) return undefined;
    const mx = this.sx / this.n;
    const my = this.sy / this.n;
    const varX = this.sxx / this.n - mx * mx;
    const slope = Math.max(minSlope, varX > 1e-9 ? (this.sxy / this.n - mx * my) / varX : fallbackSlope);
    return { intercept: my - slope * mx, slope };
  }
}

/** Weight of the seed: it counts as this many samples at each seed point until live samples outweigh it. */
const SEED_WEIGHT = 5;
const SEED_POINTS = [1, 8, 32, 64];
/**
 * The first-token wait is seeded at small batches only: the seed knows one decode step, not where an engine starts
 * to queue (max_num_seqs, KV cache), and a prior at large batches would flatten the queueing the router observes.
 */
const WAIT_SEED_POINTS = [1, 8];

/**
 * A mode model refitted from live telemetry: inter-token time and power against batch. Starts as the seed (the
 * calibrated model) and moves to what the mode's pods show.
 */
export class ModeModelFit {
  private readonly interToken: DecayingLine;
  private readonly power: DecayingLine;
  private readonly firstTokenWait: DecayingLine;

  constructor(
    private readonly seed: ModeModel,
    decay = 0.99,
  ) {
    this.interToken = new DecayingLine(decay);
    this.power = new DecayingLine(decay);
    this.firstTokenWait = new DecayingLine(decay);
    for (const b of SEED_POINTS) {
      this.interToken.add(b, seed.interToken.intercept + seed.interToken.slope * b, SEED_WEIGHT);
      this.power.add(b, seed.power.intercept + seed.power.slope * b, SEED_WEIGHT);
    }
    // The seed's first token waits for one decode step of the batch it joins (mode-model.ts predictTtft).
    for (const b of WAIT_SEED_POINTS)
      this.firstTokenWait.add(b, seed.interToken.intercept + seed.interToken.slope * b, SEED_WEIGHT);
  }

  /** A replica's mean inter-token time over an interval in which it ran `batch` sequences on average. */
  observeInterToken(batch: number, seconds: number): void {
    if (batch > 0 && seconds > 0) this.interToken.add(batch, seconds);
  }

  /** A replica's average power over an interval (from energy counter deltas) at a mean batch. */
  observePower(batch: number, watts: number): void {
    if (batch > 0 && watts > 0) this.power.add(batch, watts);
  }

  /**
   * One request's time to first token beyond its own prefill (queueing in the engine included), against the batch
   * it joined: what the router observes per request.
   */
  observeFirstTokenWait(batch: number, seconds: number): void {
    if (batch > 0 && seconds >= 0) this.firstTokenWait.add(batch, seconds);
  }

  /** Seconds a first token waits beyond its prefill, against the batch it joins. */
  firstTokenWaitLine(): LinearFit {
    return this.firstTokenWait.fit(this.seed.interToken.slope, 0) ?? this.seed.interToken;
  }

  model(): ModeModel {
    return {
      ...this.seed,
      interToken: this.interToken.fit(this.seed.interToken.slope, 0) ?? this.seed.interToken,
      power: this.power.fit(this.seed.power.slope, 0) ?? this.seed.power,
    };
  }
}
