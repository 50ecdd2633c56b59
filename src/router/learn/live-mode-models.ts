import { evaluate, SEED_CONTEXT_TOKENS, type ModeModel } from '../../model/mode-model.js';
import { ModeModelFit } from '../../model/mode-model-fit.js';
import type { PolicyModeModel } from '../../model/policy-models.js';
import type { LiveModeModel } from '../decide/objective-routing.js';

/** The modes to fit, each with its seed: objective routing's candidates, or every mode of a policy (router-core.ts). */
export interface SeededModes {
  modes: ReadonlyMap<string, PolicyModeModel>;
}

/** What one finished request tells about its mode (times in seconds). */
export interface RequestSample {
  mode: string;
  /** Sequences on the pod once this request joined it (Decision.batch). */
  batch: number;
  promptTokens: number;
  /** Arrival to first byte of a streamed answer. */
  ttftSeconds: number;
  /** First byte to last byte. */
  streamSeconds: number;
  outputTokens: number;
}

/** A streamed answer that finished, timed on one clock in milliseconds: the router's, or a replay's simulated one. */
export interface StreamedAnswer {
  mode: string;
  /** Sequences on the pod once this request joined it (Decision.batch). */
  batch: number;
  promptTokens: number;
  /** Tokens generated (usage.completion_tokens). */
  outputTokens: number;
  startedAtMs: number;
  firstByteAtMs: number;
  endedAtMs: number;
}

/** A pod's load as the router knows it: its own count, and the engine's gauges where scraped. */
export interface PodLoad {
  inFlight: number;
  queueDepth?: number;
  running?: number;
}

export type ModelSignal = 'inter_token' | 'first_token' | 'power';

/** Weight of the newest prompt in the typical prompt length the metrics predict for. */
const PROMPT_ALPHA = 0.05;

interface Entry {
  /** The seed the fit started from: a mode whose flags change starts again from its new seed. */
  seedKey: string;
  fit: ModeModelFit;
  live: LiveModeModel;
}

/**
 * Each mode's model, refitted from what its pods do (model/mode-model-fit.ts): per request, the inter-token time and
 * the first token's wait beyond its prefill against the batch it joined; per DCGM scrape, each pod's power from
 * energy-counter deltas against its batch. Starts from the policy's seeds; a policy edit that keeps a mode's flags
 * keeps what was learned about it. Decisions read `modelsOf` (no allocation unless the policy changed); the router
 * publishes `fitted()` for the operator's capacity planner, the one fit both plan and route on.
 */
export class LiveModeModels {
  private readonly entries = new Map<string, Entry>();
  private readonly live = new Map<string, LiveModeModel>();
  private synced: SeededModes | undefined;
  private prompt: number | undefined;

  /** The live model of every mode of `o`. */
  modelsOf(o: SeededModes): ReadonlyMap<string, LiveModeModel> {
    if (o !== this.synced) this.sync(o);
    return this.live;
  }

  /** The model of every mode of the modes last synced, as fitted so far (seeds for those not yet observed). */
  fitted(): Map<string, ModeModel> {
    return new Map([...this.live].map(([mode, l]) => [mode, l.model]));
  }

  /** The mean prompt of recent requests (tokens): the request the model metrics predict for. */
  typicalPromptTokens(): number {
    return Math.round(this.prompt ?? SEED_CONTEXT_TOKENS);
  }

  /**
   * Learns from a streamed answer that finished: returns the signals it fed (none for a mode it does not fit, or an
   * answer too short to show an inter-token time).
   */
  observeRequest(s: RequestSample): ModelSignal[] {
    this.prompt =
      this.prompt === undefined ? s.promptTokens : this.prompt + PROMPT_ALPHA * (s.promptTokens - this.prompt);
    const e = this.entries.get(s.mode);
    if (!e || !(s.batch > 0)) return [];
    const fed: ModelSignal[] = [];
    const prefill = Math.max(0, evaluate(e.live.model.prefill, s.promptTokens));
    if (s.ttftSeconds >= 0) {
      e.fit.observeFirstTokenWait(s.batch, Math.max(0, s.ttftSeconds - prefill));
      fed.push('first_token');
    }
    if (s.outputTokens >= 2 && s.streamSeconds > 0) {
      e.fit.observeInterToken(s.batch, s.streamSeconds / (s.outputTokens - 1));
      fed.push('inter_token');
    }
    if (fed.length > 0) this.refresh(s.mode, e);
    return fed;
  }

  /** Learns from a streamed answer as the router times it: what the router and the fleet replay both feed. */
  observeAnswer(a: StreamedAnswer): ModelSignal[] {
    return this.observeRequest({
      mode: a.mode,
      batch: a.batch,
      promptTokens: a.promptTokens,
      ttftSeconds: (a.firstByteAtMs - a.startedAtMs) / 1000,
      streamSeconds: (a.endedAtMs - a.firstByteAtMs) / 1000,
      outputTokens: a.outputTokens,
    });
  }

  /** Learns a pod's average power over a scrape interval (watts, from energy deltas) at its batch. */
  observePower(mode: string, batch: number, watts: number): boolean {
    const e = this.entries.get(mode);
    if (!e || !(batch > 0) || !(watts > 0)) return false;
    e.fit.observePower(batch, watts);
    this.refresh(mode, e);
    return true;
  }

  /**
   * Learns a pod's average power over a scrape interval at its load now: the router's in-flight count or the
   * engine's waiting and running, the larger (the router's scrapes and the fleet replay's both feed it).
   */
  observePodPower(mode: string, load: PodLoad, watts: number): boolean {
    return this.observePower(mode, Math.max(load.inFlight, (load.queueDepth ?? 0) + (load.running ?? 0)), watts);
  }

  private refresh(mode: string, e: Entry): void {
    e.live = { model: e.fit.model(), firstTokenWait: e.fit.firstTokenWaitLine() };
    this.live.set(mode, e.live);
  }

  private sync(o: SeededModes): void {
    for (const mode of this.entries.keys()) {
      if (!o.modes.has(mode)) {
        this.entries.delete(mode);
        this.live.delete(mode);
      }
    }
    for (const [mode, m] of o.modes) {
      const seedKey = JSON.stringify(m.model);
      if (this.entries.get(mode)?.seedKey === seedKey) continue;
      const e = fresh(m.model, seedKey);
      this.entries.set(mode, e);
      this.live.set(mode, e.live);
    }
    this.synced = o;
  }
}

function fresh(seed: ModeModel, seedKey: string): Entry {
  const fit = new ModeModelFit(seed);
  return { seedKey, fit, live: { model: fit.model(), firstTokenWait: fit.firstTokenWaitLine() } };
}
