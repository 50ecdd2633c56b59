import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestResult, StepRecord } from './core-types.js';
import type { EngineCore } from './core.js';

/** Bucket boundaries copied from vllm/v1/metrics/loggers.py so histograms line up with real vLLM dashboards. */
export const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0,
  640.0, 2560.0,
];
export const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
export const REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0,
  7680.0,
];
export const ITERATION_TOKEN_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

/** vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, ... up to max. */
export function buckets125(max: number): number[] {
  const out: number[] = [];
  for (let exp = 1; ; exp *= 10) {
    for (const m of [1, 2, 5]) {
      if (m * exp > max) return out;
      out.push(m * exp);
    }
  }
}

export interface VllmMetrics {
  registry: Registry;
  observeFinished(result: RequestResult): void;
  observeInterToken(seconds: number): void;
  observeStep(step: StepRecord): void;
}

type CounterKey =
  | 'promptTokens'
  | 'generationTokens'
  | 'prefixQueries'
  | 'prefixHits'
  | 'preemptions'
  | 'specDrafts'
  | 'specDraftTokens'
  | 'specAcceptedTokens';

/** vLLM's Prometheus metrics (names, types, labels model_name/engine) fed from an engine core. */
export function createVllmMetrics(core: EngineCore, modelName: string, maxModelLen: number): VllmMetrics {
  const registry = new Registry();
  const labels = { model_name: modelName, engine: '0' };
  const labelNames = ['model_name', 'engine'] as const;
  const registers = [registry];
  const seen: Record<CounterKey, number> = {
    promptTokens: 0,
    generationTokens: 0,
    prefixQueries: 0,
    prefixHits: 0,
    preemptions: 0,
    specDrafts: 0,
    specDraftTokens: 0,
    specAcceptedTokens: 0,
  };
  const seenPerPos: number[] = [];

  // Counters advance by the core's cumulative totals at scrape time, so they never disagree with the core.
  const cumulative = (name: string, help: string, key: CounterKey): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        const total = core.counters()[key];
        this.inc(labels, total - seen[key]);
        seen[key] = total;
      },
    });
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.set(labels, read());
      },
    });
  };

  gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', () => core.runningCount());
  gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', () => core.queueDepth());
  gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', () => core.kvCacheUsage());
  cumulative('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', 'promptTokens');
  cumulative('vllm:generation_tokens_total', 'Number of generation tokens processed.', 'generationTokens');
  cumulative('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.', 'preemptions');
  cumulative(
    'vllm:prefix_cache_queries_total',
    'Prefix cache queries, in terms of number of queried tokens.',
    'prefixQueries',
  );
  cumulative('vllm:prefix_cache_hits_total', 'Prefix cache hits, in terms of number of cached tokens.', 'prefixHits');
  if (core.mode.speculative) {
    cumulative('vllm:spec_decode_num_drafts_total', 'Number of spec decoding drafts.', 'specDrafts');
    cumulative('vllm:spec_decode_num_draft_tokens_total', 'Number of draft tokens.', 'specDraftTokens');
    cumulative('vllm:spec_decode_num_accepted_tokens_total', 'Number of accepted tokens.', 'specAcceptedTokens');
    new Counter({
      name: 'vllm:spec_decode_num_accepted_tokens_per_pos_total',
      help: 'Accepted tokens per draft position.',
      labelNames: [...labelNames, 'position'],
      registers,
      collect() {
        core.counters().specAcceptedPerPosition.forEach((total, pos) => {
          this.inc({ ...labels, position: String(pos) }, total - (seenPerPos[pos] ?? 0));
          seenPerPos[pos] = total;
        });
      },
    });
  }
  const success = new Counter({
    name: 'vllm:request_success_total',
    help: 'Count of successfully processed requests.',
    labelNames: [...labelNames, 'finished_reason'],
    registers,
  });
  for (const reason of ['stop', 'length', 'abort']) success.inc({ ...labels, finished_reason: reason }, 0);

  const histogram = (name: string, help: string, buckets: number[]): Histogram<'model_name' | 'engine'> =>
    new Histogram({ name, help, labelNames, buckets, registers });
  const ttft = histogram(
    'vllm:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    TTFT_BUCKETS,
  );
  const itl = histogram(
    'vllm:inter_token_latency_seconds',
    'Histogram of inter-token latency in seconds.',
    ITL_BUCKETS,
  );
  const e2e = histogram(
    'vllm:e2e_request_latency_seconds',
    'Histogram of e2e request latency in seconds.',
    REQUEST_LATENCY_BUCKETS,
  );
  const queue = histogram(
    'vllm:request_queue_time_seconds',
    'Histogram of time spent in WAITING phase for request.',
    REQUEST_LATENCY_BUCKETS,
  );
  const inference = histogram(
    'vllm:request_inference_time_seconds',
    'Histogram of time spent in RUNNING phase for request.',
    REQUEST_LATENCY_BUCKETS,
  );
  const prefill = histogram(
    'vllm:request_prefill_time_seconds',
    'Histogram of time spent in PREFILL phase for request.',
    REQUEST_LATENCY_BUCKETS,
  );
  const decode = histogram(
    'vllm:request_decode_time_seconds',
    'Histogram of time spent in DECODE phase for request.',
    REQUEST_LATENCY_BUCKETS,
  );
  const promptTokens = histogram(
    'vllm:request_prompt_tokens',
    'Number of prefill tokens processed.',
    buckets125(maxModelLen),
  );
  const generationTokens = histogram(
    'vllm:request_generation_tokens',
    'Number of generation tokens processed.',
    buckets125(maxModelLen),
  );
  const iterationTokens = histogram(
    'vllm:iteration_tokens_total',
    'Histogram of number of tokens per engine_step.',
    ITERATION_TOKEN_BUCKETS,
  );

  return {
    registry,
    observeFinished(r) {
      success.inc({ ...labels, finished_reason: r.finishReason });
      if (r.finishReason === 'abort') return;
      e2e.observe(labels, r.finishTime - r.arrivalTime);
      const scheduled = r.scheduledTime ?? r.arrivalTime;
      const first = r.firstTokenTime ?? r.finishTime;
      ttft.observe(labels, first - r.arrivalTime);
      queue.observe(labels, scheduled - r.arrivalTime);
      inference.observe(labels, r.finishTime - scheduled);
      prefill.observe(labels, first - scheduled);
      decode.observe(labels, r.finishTime - first);
      promptTokens.observe(labels, r.promptTokens);
      generationTokens.observe(labels, r.outputTokens);
    },
    observeInterToken(seconds) {
      itl.observe(labels, seconds);
    },
    observeStep(step) {
      iterationTokens.observe(labels, step.prefillTokens + step.decodeTokens);
    },
  };
}
