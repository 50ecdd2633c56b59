import { parsePromText } from '../../metrics/prom-text.js';

/** What one vLLM pod's /metrics says; a metric the engine does not export stays undefined. */
export interface EngineSample {
  queueDepth?: number;
  running?: number;
  /** 0..1 */
  kvCacheUsage?: number;
  /** Counter of generated tokens since the engine started. */
  generationTokens?: number;
}

const NAMES: Record<string, keyof EngineSample> = {
  'vllm:num_requests_waiting': 'queueDepth',
  'vllm:num_requests_running': 'running',
  'vllm:kv_cache_usage_perc': 'kvCacheUsage',
  // vLLM before 0.10 named it after the GPU cache.
  'vllm:gpu_cache_usage_perc': 'kvCacheUsage',
  'vllm:generation_tokens_total': 'generationTokens',
};

/** Sums gauges and counters over the label sets an engine reports (one per served model name). */
export function engineSampleOf(text: string): EngineSample {
  const sample: EngineSample = {};
  for (const s of parsePromText(text, (n) => n in NAMES)) {
    // Counts and ratios: an infinite or negative one is an engine fault, read as not reported.
    if (!Number.isFinite(s.value) || s.value < 0) continue;
    const key = NAMES[s.name] as keyof EngineSample;
    sample[key] = key === 'kvCacheUsage' ? Math.max(sample[key] ?? 0, s.value) : (sample[key] ?? 0) + s.value;
  }
  return sample;
}
