import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ModeState } from '../../api/v1alpha1/rule-env.js';
import type { ModeModel } from '../../model/mode-model.js';
import { LABEL, LATENCY_BUCKETS, MODEL_FIT_METRIC, ROUTER_METRIC } from '../../metrics/router-contract.js';
import type { ObjectivePrediction } from '../decide/objective.js';

/** Live values the gauges read when Prometheus scrapes (never on the request path). */
export interface GaugeSources {
  policy: () => string;
  modeStates: () => ReadonlyMap<string, ModeState>;
  telemetryAge: (source: 'vllm' | 'dcgm') => number | undefined;
  /** Objective routing's live model per warm mode, at its current load for a typical prompt (empty without it). */
  predictions?: () => ReadonlyMap<string, ObjectivePrediction>;
  /** Each mode's model as the router has fitted it: published for the operator's capacity planner. */
  fittedModels?: () => ReadonlyMap<string, ModeModel>;
}

const { policy: POLICY, mode: MODE } = LABEL;
const DECISION_BUCKETS = [1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 1e-3];

/** The modeswitch_* router metrics (docs/router.md). Joules per output token per mode is energy / output tokens. */
export function createRouterMetrics(sources: GaugeSources) {
  const registry = new Registry();
  const registers = [registry];
  const m = {
    registry,
    requests: new Counter({
      name: ROUTER_METRIC.requests,
      help: 'Requests by the mode that served them, the rule that chose it and the result code.',
      labelNames: [POLICY, MODE, LABEL.rule, LABEL.code],
      registers,
    }),
    duration: new Histogram({
      name: ROUTER_METRIC.requestDuration,
      help: 'Request time from arrival to the last byte.',
      labelNames: [POLICY, MODE],
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    ttft: new Histogram({
      name: ROUTER_METRIC.timeToFirstToken,
      help: 'Time from arrival to the first byte of the answer.',
      labelNames: [POLICY, MODE],
      buckets: [...LATENCY_BUCKETS],
      registers,
    }),
    wanted: new Counter({
      name: ROUTER_METRIC.wanted,
      help: "Requests meant for a mode but served elsewhere or refused (a rule's or the default mode without a ready pod; the objective's preferred mode cold or past the SLO): demand the capacity planner reads.",
      labelNames: [POLICY, MODE],
      registers,
    }),
    tokens: new Counter({
      name: ROUTER_METRIC.tokens,
      help: 'Tokens as the engines reported them.',
      labelNames: [POLICY, MODE, LABEL.kind],
      registers,
    }),
    energy: new Counter({
      name: ROUTER_METRIC.energy,
      help: 'GPU energy of the pods of each mode (DCGM energy deltas, reset-safe).',
      labelNames: [POLICY, MODE],
      registers,
    }),
    fallbacks: new Counter({
      name: 'modeswitch_fallbacks_total',
      help: 'Decisions moved from one mode to the next, by reason.',
      labelNames: ['policy', 'from', 'to', 'reason'],
      registers,
    }),
    ruleHits: new Counter({
      name: 'modeswitch_rule_hits_total',
      help: 'Decisions by the rule that matched (default when none did).',
      labelNames: ['policy', 'rule'],
      registers,
    }),
    ruleCostExceeded: new Counter({
      name: 'modeswitch_rule_cost_exceeded_total',
      help: 'Rule evaluations stopped at the cost limit (docs/rules.md); the rule did not match them.',
      labelNames: ['policy', 'rule'],
      registers,
    }),
    attemptFailures: new Counter({
      name: 'modeswitch_attempt_failures_total',
      help: 'Engine attempts that failed before the answer started (each moves the request to another pod while one is left), by reason.',
      labelNames: ['policy', 'mode', 'reason'],
      registers,
    }),
    ejections: new Counter({
      name: 'modeswitch_pod_ejections_total',
      help: 'Pods taken out of rotation (passive outlier ejection or failed active health check), by reason.',
      labelNames: ['policy', 'mode', 'reason'],
      registers,
    }),
    cutByDrain: new Counter({
      name: 'modeswitch_drain_abandoned_requests_total',
      help: 'Requests still in flight when the drain window ended and were cut.',
      registers,
    }),
    faults: new Counter({
      name: 'modeswitch_router_faults_total',
      help: 'Faults of the router caught before they could fail a request or end the process, by where they were caught (accounting, ext_proc, unhandled_rejection, uncaught_exception).',
      labelNames: ['where'],
      registers,
    }),
    modelSamples: new Counter({
      name: 'modeswitch_mode_model_samples_total',
      help: "Observations objective routing refitted a mode's model with, by signal (inter_token, first_token: per streamed request; power: per pod and DCGM scrape).",
      labelNames: ['policy', 'mode', 'signal'],
      registers,
    }),
    decision: new Histogram({
      name: 'modeswitch_decision_duration_seconds',
      help: 'Time to classify and decide one request (tokenization included).',
      buckets: DECISION_BUCKETS,
      registers,
    }),
  };
  /** A gauge per mode, read from its source at every scrape; a mode without a value has no series. */
  const modeGauge = (name: string, help: string, values: () => Iterable<readonly [string, number | undefined]>) =>
    new Gauge({
      name,
      help,
      labelNames: [POLICY, MODE],
      registers,
      collect() {
        this.reset();
        const policy = sources.policy();
        for (const [mode, v] of values()) if (v !== undefined) this.set({ policy, mode }, v);
      },
    });
  const perMode = (name: string, help: string, field: keyof ModeState) =>
    modeGauge(name, help, () =>
      [...sources.modeStates()].map(
        ([mode, state]) => [mode, state[field] === undefined ? undefined : Number(state[field])] as const,
      ),
    );
  perMode(
    'modeswitch_gpu_power_watts',
    'GPU power of each mode (sum over its GPUs); absent when unknown.',
    'powerWatts',
  );
  perMode(ROUTER_METRIC.queueDepth, 'Requests waiting in the engines of each mode; absent when unknown.', 'queueDepth');
  perMode(ROUTER_METRIC.running, 'Requests running in the engines of each mode; absent when unknown.', 'running');
  perMode(
    'modeswitch_kv_cache_usage',
    'Highest KV-cache use among the pods of each mode (0..1); absent when unknown.',
    'kvCacheUsage',
  );
  perMode('modeswitch_ready_pods', 'Ready pods of each mode.', 'readyPods');
  const predicted = (name: string, help: string, field: keyof ObjectivePrediction) =>
    modeGauge(name, help, () => [...(sources.predictions?.() ?? [])].map(([mode, p]) => [mode, p[field]] as const));
  predicted(
    'modeswitch_predicted_ttft_seconds',
    'Objective routing: predicted time to first token of a typical request (the recent mean prompt) joining the mode now; absent for a cold mode.',
    'ttftSeconds',
  );
  predicted(
    'modeswitch_predicted_inter_token_seconds',
    'Objective routing: predicted seconds between output tokens on the mode at its current load plus one request.',
    'interTokenSeconds',
  );
  predicted(
    'modeswitch_predicted_joules_per_token',
    'Objective routing: predicted GPU energy per output token on the mode at its current load plus one request.',
    'joulesPerToken',
  );
  predicted(
    'modeswitch_predicted_batch',
    "Objective routing: the batch those predictions are for (the least-loaded pickable pod's load plus one request).",
    'batch',
  );
  const fitWhat = { interToken: 'seconds between output tokens', power: 'GPU watts' } as const;
  const termWhat = { intercept: 'at batch 0', slope: 'added per sequence in the batch' } as const;
  for (const line of ['interToken', 'power'] as const)
    for (const term of ['intercept', 'slope'] as const)
      modeGauge(
        MODEL_FIT_METRIC[line][term],
        `The mode's fitted model (what the capacity planner sizes with), one replica: ${fitWhat[line]} ${termWhat[term]}.`,
        () => [...(sources.fittedModels?.() ?? [])].map(([mode, m]) => [mode, m[line][term]] as const),
      );
  new Gauge({
    name: 'modeswitch_telemetry_age_seconds',
    help: 'Seconds since the last successful scrape of each telemetry source.',
    labelNames: ['source'],
    registers,
    collect() {
      this.reset();
      for (const source of ['vllm', 'dcgm'] as const) {
        const age = sources.telemetryAge(source);
        if (age !== undefined) this.set({ source }, age);
      }
    },
  });
  return m;
}

export type RouterMetrics = ReturnType<typeof createRouterMetrics>;
