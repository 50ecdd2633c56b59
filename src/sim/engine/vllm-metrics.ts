import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VLLM_METRICS } from '../../gen/vllm/index.js';
import type { CoreCounters, RequestResult, StepRecord } from './core-types.js';
import type { EngineCore } from './core.js';

type MetricName = keyof typeof VLLM_METRICS.metrics;
type BucketFamily = keyof typeof VLLM_METRICS.bucketFamilies;
interface MetricSpec {
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: readonly string[];
  bucketFamily?: BucketFamily;
  labelValues?: Readonly<Record<string, readonly string[]>>;
}

/** The pinned release's definition of a metric (src/gen/vllm, read from its wheel): help, labels, buckets, children. */
const spec = (name: MetricName): MetricSpec => VLLM_METRICS.metrics[name] as MetricSpec;

/** vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, ... up to max (the `request_tokens` family). */
export function buckets125(max: number): number[] {
  const out: number[] = [];
  for (let exp = 1; ; exp *= 10) {
    for (const m of [1, 2, 5]) {
      if (m * exp > max) return out;
      out.push(m * exp);
    }
  }
}

export function bucketsOf(family: BucketFamily, maxModelLen: number): number[] {
  const fixed = VLLM_METRICS.bucketFamilies[family];
  return typeof fixed === 'string' ? buckets125(maxModelLen) : [...fixed];
}

/**
 * The vLLM metrics the simulator does not export, each a feature it does not simulate; every other metric the release
 * exports unconditionally is exported here (test/sim/vllm-metrics.test.ts holds the two lists against each other).
 */
export const NOT_SIMULATED: Readonly<Partial<Record<MetricName, string>>> = {
  'vllm:mm_cache_queries': 'no multi-modal inputs',
  'vllm:mm_cache_hits': 'no multi-modal inputs',
  'vllm:diffusion_num_denoising_steps': 'no diffusion language models',
  'vllm:diffusion_num_canvas_positions': 'no diffusion language models',
  'vllm:diffusion_num_committed_tokens': 'no diffusion language models',
};

/** What a finished request's histograms need beyond the core's result: the client's sampling parameters. */
export interface RequestParams {
  /** max_tokens as the client sent it (vLLM observes request_params_max_tokens only when set). */
  maxTokens?: number;
  n: number;
}

export interface VllmMetrics {
  registry: Registry;
  observeFinished(result: RequestResult, params: RequestParams): void;
  observeInterToken(seconds: number): void;
  observeStep(step: StepRecord): void;
}

/**
 * vLLM's Prometheus metrics (names, types, help, labels `model_name`/`engine`, buckets and pre-created children as the
 * pinned release's PrometheusStatLogger makes them) fed from an engine core. As prometheus_client does for children
 * created at start, an idle engine exports every series: counters at 0 and histograms with zero counts, and beside
 * each counter and histogram its `NAME_created` gauge (the children's creation time, Unix seconds), as
 * prometheus_client's text format writes them. `startedEpochSeconds` is that time.
 */
export function createVllmMetrics(
  core: EngineCore,
  modelName: string,
  maxModelLen: number,
  startedEpochSeconds: number,
): VllmMetrics {
  const registry = new Registry();
  const base = { model_name: modelName, engine: '0' };
  const registers = [registry];
  const seen = new Map<string, number>();

  /** prometheus_client's `_created` gauge of a counter or histogram family, one sample per child. */
  const created = (name: MetricName, children: ReadonlyArray<Record<string, string>>): void => {
    const s = spec(name);
    new Gauge({
      name: `${name}_created`,
      help: s.help,
      labelNames: [...s.labels],
      registers,
      collect() {
        for (const labels of children) this.set(labels, startedEpochSeconds);
      },
    });
  };

  /** A counter that follows a cumulative total of the core at scrape time, one child per label value. */
  const cumulative = (
    name: MetricName,
    children: ReadonlyArray<{ labels: Record<string, string>; read: (c: CoreCounters) => number }>,
  ): void => {
    const s = spec(name);
    new Counter({
      name: `${name}_total`,
      help: s.help,
      labelNames: [...s.labels],
      registers,
      collect() {
        const counters = core.counters();
        for (const child of children) {
          const key = `${name}${JSON.stringify(child.labels)}`;
          const total = child.read(counters);
          this.inc(child.labels, total - (seen.get(key) ?? 0));
          seen.set(key, total);
        }
      },
    });
    created(
      name,
      children.map((c) => c.labels),
    );
  };
  const single = (name: MetricName, read: (c: CoreCounters) => number) => cumulative(name, [{ labels: base, read }]);
  /** One child per value of the metric's own label, as the release creates them. */
  const perValue = (name: MetricName, read: (value: string, c: CoreCounters) => number) => {
    const s = spec(name);
    const [label, values] = Object.entries(s.labelValues ?? {})[0] ?? ['', []];
    cumulative(
      name,
      values.map((v) => ({ labels: { ...base, [label]: v }, read: (c: CoreCounters) => read(v, c) })),
    );
  };
  const gauge = (name: MetricName, read: (value?: string) => number): void => {
    const s = spec(name);
    const [label, values] = Object.entries(s.labelValues ?? {})[0] ?? ['', [undefined]];
    new Gauge({
      name,
      help: s.help,
      labelNames: [...s.labels],
      registers,
      collect() {
        for (const v of values) this.set(v === undefined ? base : { ...base, [label]: v }, read(v));
      },
    });
  };

  gauge('vllm:num_requests_running', () => core.runningCount());
  gauge('vllm:num_requests_waiting', () => core.queueDepth());
  // Every waiting request waits for capacity: the simulator defers none (no LoRA budget, no KV transfer).
  gauge('vllm:num_requests_waiting_by_reason', (reason) => (reason === 'capacity' ? core.queueDepth() : 0));
  gauge('vllm:engine_sleep_state', (state) => (state === 'awake' ? 1 : 0));
  gauge('vllm:kv_cache_usage_perc', () => core.kvCacheUsage());

  const computed = (c: CoreCounters) => Math.max(0, c.promptTokens - c.prefixHits);
  single('vllm:prefix_cache_queries', (c) => c.prefixQueries);
  single('vllm:prefix_cache_hits', (c) => c.prefixHits);
  single('vllm:external_prefix_cache_queries', () => 0);
  single('vllm:external_prefix_cache_hits', () => 0);
  single('vllm:num_preemptions', (c) => c.preemptions);
  single('vllm:prompt_tokens', (c) => c.promptTokens);
  perValue('vllm:prompt_tokens_by_source', (source, c) =>
    source === 'local_compute' ? computed(c) : source === 'local_cache_hit' ? c.prefixHits : 0,
  );
  single('vllm:prompt_tokens_cached', (c) => c.prefixHits);
  perValue('vllm:prompt_tokens_cached_by_source', (source, c) => (source === 'device' ? c.prefixHits : 0));
  single('vllm:generation_tokens', (c) => c.generationTokens);
  perValue('vllm:request_success', (reason, c) => c.finished[reason as keyof CoreCounters['finished']] ?? 0);
  // The simulator bounds no queue (no --max-num-queued-*), so nothing is rejected at admission.
  const rejections = spec('vllm:admission_rejections');
  const rejectionCounter = new Counter({
    name: 'vllm:admission_rejections_total',
    help: rejections.help,
    labelNames: [...rejections.labels],
    registers,
  });
  const rejectionChildren = (rejections.labelValues?.['reason'] ?? []).map((reason) => ({
    model_name: modelName,
    reason,
  }));
  for (const labels of rejectionChildren) rejectionCounter.inc(labels, 0);
  created('vllm:admission_rejections', rejectionChildren);

  if (core.mode.speculative) {
    single('vllm:spec_decode_num_drafts', (c) => c.specDrafts);
    single('vllm:spec_decode_num_draft_tokens', (c) => c.specDraftTokens);
    single('vllm:spec_decode_num_accepted_tokens', (c) => c.specAcceptedTokens);
    // One child per draft position, as SpecDecodingProm makes for num_speculative_tokens positions.
    const positions = core.mode.speculative.numSpeculativeTokens;
    cumulative(
      'vllm:spec_decode_num_accepted_tokens_per_pos',
      Array.from({ length: positions }, (_, pos) => ({
        labels: { ...base, position: String(pos) },
        read: (c: CoreCounters) => c.specAcceptedPerPosition[pos] ?? 0,
      })),
    );
  }

  const histogram = (name: MetricName): Histogram<string> => {
    const s = spec(name);
    const h = new Histogram({
      name,
      help: s.help,
      labelNames: [...s.labels],
      buckets: bucketsOf(s.bucketFamily as BucketFamily, maxModelLen),
      registers,
    });
    h.zero(base);
    created(name, [base]);
    return h;
  };
  const ttft = histogram('vllm:time_to_first_token_seconds');
  const itl = histogram('vllm:inter_token_latency_seconds');
  const perOutputToken = histogram('vllm:request_time_per_output_token_seconds');
  const e2e = histogram('vllm:e2e_request_latency_seconds');
  const queue = histogram('vllm:request_queue_time_seconds');
  const inference = histogram('vllm:request_inference_time_seconds');
  const prefill = histogram('vllm:request_prefill_time_seconds');
  const decode = histogram('vllm:request_decode_time_seconds');
  const promptTokens = histogram('vllm:request_prompt_tokens');
  const generationTokens = histogram('vllm:request_generation_tokens');
  const maxGenerationTokens = histogram('vllm:request_max_num_generation_tokens');
  const paramsN = histogram('vllm:request_params_n');
  const paramsMaxTokens = histogram('vllm:request_params_max_tokens');
  const preemptions = histogram('vllm:request_num_preemptions');
  const prefillComputed = histogram('vllm:request_prefill_kv_computed_tokens');
  const iterationTokens = histogram('vllm:iteration_tokens_total');

  return {
    registry,
    observeFinished(r, params) {
      if (r.finishReason === 'abort') return;
      const scheduled = r.scheduledTime ?? r.arrivalTime;
      const first = r.firstTokenTime ?? r.finishTime;
      ttft.observe(base, first - r.arrivalTime);
      e2e.observe(base, r.finishTime - r.arrivalTime);
      queue.observe(base, scheduled - r.arrivalTime);
      inference.observe(base, r.finishTime - scheduled);
      prefill.observe(base, first - scheduled);
      decode.observe(base, r.finishTime - first);
      // vLLM's mean_time_per_output_token: the decode time over the tokens after the first (0 for a single token).
      perOutputToken.observe(base, r.outputTokens > 1 ? (r.finishTime - first) / (r.outputTokens - 1) : 0);
      promptTokens.observe(base, r.promptTokens);
      generationTokens.observe(base, r.outputTokens);
      maxGenerationTokens.observe(base, r.outputTokens);
      paramsN.observe(base, params.n);
      if (params.maxTokens) paramsMaxTokens.observe(base, params.maxTokens);
      preemptions.observe(base, r.preemptions);
      prefillComputed.observe(base, r.promptTokens - r.cachedPromptTokens);
    },
    observeInterToken(seconds) {
      itl.observe(base, seconds);
    },
    observeStep(step) {
      iterationTokens.observe(base, step.prefillTokens + step.decodeTokens);
    },
  };
}
