/**
 * The router <-> operator metrics contract: every series the router publishes on /metrics that the operator's
 * capacity controller reads (capacity/router-demand.ts), named once. The router registers them under these names
 * (router/accounting/router-metrics.ts); the operator parses them by these names. Series only people read (fallbacks,
 * ejections, predictions ...) stay named where the router registers them.
 */

/** Label names of the contract's series. */
export const LABEL = {
  /** `namespace/name` of the InferenceModePolicy: the key the capacity controller plans under. */
  policy: 'policy',
  mode: 'mode',
  /** modeswitch_tokens_total: TOKEN_KIND. */
  kind: 'kind',
  /** modeswitch_requests_total: the rule that chose the mode, and the result code. */
  rule: 'rule',
  code: 'code',
  /** A histogram bucket's upper bound. */
  le: 'le',
} as const;

/** modeswitch_tokens_total{kind}: prompt tokens and output tokens (the engine's usage.completion_tokens). */
export const TOKEN_KIND = { prompt: 'prompt', output: 'output' } as const;

export const ROUTER_METRIC = {
  /** Counter{policy,mode,rule,code}: finished requests by the mode that served them (mode `none` when none did). */
  requests: 'modeswitch_requests_total',
  /** Counter{policy,mode}: finished requests meant for a mode but served elsewhere or refused. */
  wanted: 'modeswitch_wanted_requests_total',
  /** Counter{policy,mode,kind}: tokens of finished requests as the engines reported them (usage). */
  tokens: 'modeswitch_tokens_total',
  /** Counter{policy,mode}: GPU energy of the mode's pods, joules (DCGM energy counter, metrics/dcgm-energy.ts). */
  energy: 'modeswitch_energy_joules_total',
  /** Histogram{policy,mode} over LATENCY_BUCKETS: arrival to the first byte of the answer, per finished request. */
  timeToFirstToken: 'modeswitch_time_to_first_token_seconds',
  /** Histogram{policy,mode} over LATENCY_BUCKETS: arrival to the last byte. */
  requestDuration: 'modeswitch_request_duration_seconds',
  /** Gauges{policy,mode}: requests waiting and running in the mode's engines now. */
  queueDepth: 'modeswitch_queue_depth',
  running: 'modeswitch_running_requests',
} as const;

/**
 * Gauges{policy,mode}: each mode's model as the router has fitted it (router/learn/live-mode-models.ts), one replica:
 * seconds between output tokens = intercept + slope × batch, and GPU watts = intercept + slope × batch.
 */
export const MODEL_FIT_METRIC = {
  interToken: {
    intercept: 'modeswitch_mode_model_inter_token_intercept_seconds',
    slope: 'modeswitch_mode_model_inter_token_slope_seconds',
  },
  power: {
    intercept: 'modeswitch_mode_model_power_intercept_watts',
    slope: 'modeswitch_mode_model_power_slope_watts',
  },
} as const;

/** The series prom-client writes for a histogram named `name`. */
export const histogramSeries = (name: string) =>
  ({ bucket: `${name}_bucket`, sum: `${name}_sum`, count: `${name}_count` }) as const;

/**
 * Upper bounds of the router's latency histograms (seconds); the fleet replay bins its observed first tokens the same
 * way, so the capacity planner reads one p95 from either.
 */
export const LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];
