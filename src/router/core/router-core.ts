import type { RequestFeatures } from '../../api/v1alpha1/rule-env.js';
import { classify } from '../classify/features.js';
import type { NormalizedRequest } from '../classify/normalized-request.js';
import { PrefixTracker } from '../classify/prefix-tracker.js';
import { TokenCounter } from '../classify/token-counter.js';
import { podsModeOf } from '../decide/compile-policy.js';
import type { CompiledPolicy } from '../decide/compile-policy.js';
import { decide } from '../decide/decide.js';
import { LiveModeModels, type SeededModes } from '../learn/live-mode-models.js';
import { seedPolicyModels } from '../../model/policy-models.js';
import { QualityLedger, type ObjectivePrediction } from '../decide/objective.js';
import { modeQualityDelta, objectivePredictions } from '../decide/objective-routing.js';
import type { Routed } from '../decide/routed.js';
import type { PodRegistry } from '../pods/pod-registry.js';
import { buildModeView } from '../telemetry/mode-view.js';
import type { ModeView } from '../telemetry/mode-view.js';
import type { TelemetryStore } from '../telemetry/telemetry-store.js';

/** Ages move even without new scrapes; rebuilding this often keeps staleness exact to a quarter second. */
const VIEW_MAX_AGE_MS = 250;

export interface RouterCoreOptions {
  registry: PodRegistry;
  store: TelemetryStore;
  now: () => number;
  tokens?: TokenCounter;
  prefixes?: PrefixTracker;
}

/**
 * Classify and decide: the cheap, synchronous part of every request. Holds the current policy; a request takes a
 * snapshot of it once (`policy`) and passes that snapshot to every decision it needs, retries included.
 */
export class RouterCore {
  readonly tokens: TokenCounter;
  /**
   * Each mode's model, refitted from what the pods do (fed where requests and energy are accounted): objective routing
   * decides on it, and the metrics publish it for the operator's capacity planner.
   */
  readonly models = new LiveModeModels();
  /** The seeds of a policy without objective routing: its modes are fitted for the capacity planner all the same. */
  private readonly seeds = new WeakMap<CompiledPolicy, SeededModes>();
  private readonly prefixes: PrefixTracker;
  private current: CompiledPolicy | undefined;
  private view: ModeView | undefined;
  private viewPolicy: CompiledPolicy | undefined;
  private viewKey = '';
  private viewAt = 0;
  /** Objective routing's quality account, per policy snapshot (a new policy starts a new mean). */
  private readonly ledgers = new WeakMap<CompiledPolicy, QualityLedger>();

  constructor(private readonly o: RouterCoreOptions) {
    this.tokens = o.tokens ?? new TokenCounter();
    this.prefixes = o.prefixes ?? new PrefixTracker();
  }

  get policy(): CompiledPolicy | undefined {
    return this.current;
  }

  /** Swaps the policy atomically: requests already routed keep the one they were decided with. */
  setPolicy(policy: CompiledPolicy): void {
    this.current = policy;
    this.view = undefined;
    this.models.modelsOf(this.seededModesOf(policy));
  }

  /** What the live models of `policy` start from: objective routing's candidates, else every mode's seed. */
  private seededModesOf(policy: CompiledPolicy): SeededModes {
    if (policy.objective) return policy.objective;
    let seeded = this.seeds.get(policy);
    if (!seeded) this.seeds.set(policy, (seeded = { modes: seedPolicyModels(policy.resolved) }));
    return seeded;
  }

  /** The mode view of `policy` (the current one by default), rebuilt when pods or telemetry changed or it aged. */
  modeView(now = this.o.now(), policy = this.current): ModeView | undefined {
    if (!policy) return undefined;
    const key = `${this.o.registry.generation}:${this.o.store.generation}`;
    if (!this.view || policy !== this.viewPolicy || key !== this.viewKey || now - this.viewAt > VIEW_MAX_AGE_MS) {
      this.view = buildModeView({
        modes: policy.modeNames,
        // An adapter mode is served by its base's pods: it is as ready and as loaded as they are.
        podsOf: (m) => this.o.registry.pods(podsModeOf(policy, m)),
        store: this.o.store,
        now,
        maxAgeMs: policy.resolved.routing.guards.telemetryMaxAgeSeconds * 1000,
      });
      this.viewPolicy = policy;
      this.viewKey = key;
      this.viewAt = now;
    }
    return this.view;
  }

  /**
   * Features and decision for one request under `policy` (the request's snapshot); `exclude` lists pods that already
   * failed it, `features` the ones computed for its first decision.
   */
  route(
    policy: CompiledPolicy,
    req: NormalizedRequest,
    exclude?: ReadonlySet<string>,
    features?: RequestFeatures,
  ): Routed {
    return this.decideFor(policy, req, true, exclude, features);
  }

  /** The same as route, but leaves no trace (Classify RPC). */
  dryRun(policy: CompiledPolicy, req: NormalizedRequest): Routed {
    return this.decideFor(policy, req, false);
  }

  private decideFor(
    policy: CompiledPolicy,
    req: NormalizedRequest,
    record: boolean,
    exclude?: ReadonlySet<string>,
    features?: RequestFeatures,
  ): Routed {
    const now = this.o.now();
    const view = this.modeView(now, policy) as ModeView;
    const f = features ?? this.features(req, policy, now, record);
    const objective = policy.objective;
    const ledger = objective && this.ledgerOf(policy, objective.qualityBudgetPoints);
    const liveModels = objective && this.models.modelsOf(objective);
    const decision = decide({
      policy,
      bindings: { request: f, modes: view.states },
      pods: view.pods,
      exclude,
      qualityAllowance: ledger?.allowance(),
      liveModels,
    });
    // Charged once per request, on its first decision, and never by a dry run.
    if (ledger && objective && record && !features && decision.mode)
      ledger.charge(-modeQualityDelta(objective, decision.mode, f.type));
    return { features: f, decision, policy };
  }

  /**
   * What the current policy's objective predicts for a typical request (the recent mean prompt) on each warm mode at
   * its current load; empty without routing.strategy Objective. Read by the metrics, never on the request path.
   */
  predictions(now = this.o.now()): Map<string, ObjectivePrediction> {
    const policy = this.current;
    const objective = policy?.objective;
    const view = this.modeView(now, policy);
    if (!policy || !objective || !view) return new Map();
    return objectivePredictions(
      objective,
      this.models.typicalPromptTokens(),
      view.pods,
      policy.resolved.routing.guards,
      this.models.modelsOf(objective),
    );
  }

  private ledgerOf(policy: CompiledPolicy, budgetPoints: number): QualityLedger {
    let ledger = this.ledgers.get(policy);
    if (!ledger) this.ledgers.set(policy, (ledger = new QualityLedger(budgetPoints)));
    return ledger;
  }

  private features(req: NormalizedRequest, policy: CompiledPolicy, now: number, record: boolean): RequestFeatures {
    return classify(req, {
      inputTokens: req.promptTokens ?? this.tokens.countPrompt(req),
      prefixes: this.prefixes,
      charsPerToken: this.tokens.ratio,
      maxModelLen: policy.maxModelLen,
      now,
      record,
      // A dry run (Classify) always shows the domain; a routed request pays for it only when the policy reads it.
      classifyDomain: policy.readsDomain || !record,
    });
  }
}
