import { parsePromText, type PromSample } from '../../src/metrics/prom-text.js';
import { VLLM_METRICS } from '../../src/gen/vllm/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { startSimEngine, type SimEngine } from '../../src/sim/engine/server.js';
import { bucketsOf, NOT_SIMULATED } from '../../src/sim/engine/vllm-metrics.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const quiet = createLogger('sim-test', { level: 'error' });

interface Spec {
  type: string;
  help: string;
  labels: readonly string[];
  bucketFamily?: string;
  labelValues?: Record<string, readonly string[]>;
  when?: readonly string[];
}
const TABLE = VLLM_METRICS.metrics as unknown as Record<string, Spec>;
/** The family name an exposition shows: prometheus_client's counters sample as NAME_total. */
const exported = (name: string) => (TABLE[name]!.type === 'counter' ? `${name}_total` : name);

interface Family {
  type: string;
  help: string;
  /** One per child: its labels (without `le`), and for a histogram its buckets in order, sum and count. */
  series: Array<{ labels: Record<string, string>; value?: number; buckets: string[]; sum?: number; count?: number }>;
}

/** The exposition as families (`# HELP`, `# TYPE`, then their samples), keeping the order of histogram buckets. */
async function scrape(engine: SimEngine): Promise<Map<string, Family>> {
  const text = await (await fetch(`${engine.url}/metrics`)).text();
  const families = new Map<string, Family>();
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (!meta) continue;
    const f = families.get(meta[2]!) ?? { type: '', help: '', series: [] };
    if (meta[1] === 'HELP') f.help = meta[3]!.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    else f.type = meta[3]!;
    families.set(meta[2]!, f);
  }
  const childOf = (f: Family, sample: PromSample) => {
    const { le: _le, ...labels } = sample.labels;
    const key = JSON.stringify(labels);
    let child = f.series.find((c) => JSON.stringify(c.labels) === key);
    if (!child) f.series.push((child = { labels, buckets: [] }));
    return child;
  };
  for (const sample of parsePromText(text, () => true)) {
    const [name, part] = families.has(sample.name)
      ? [sample.name, 'value']
      : [sample.name.replace(/_(bucket|sum|count)$/, ''), /_(bucket|sum|count)$/.exec(sample.name)?.[1] ?? ''];
    const f = families.get(name);
    if (!f) throw new Error(`sample ${sample.name} outside any family`);
    const child = childOf(f, sample);
    if (part === 'bucket') child.buckets.push(sample.labels['le']!);
    else if (part === 'sum') child.sum = sample.value;
    else if (part === 'count') child.count = sample.value;
    else child.value = sample.value;
  }
  return families;
}

/** Checks one exported family against the release's definition. */
function check(name: string, families: Map<string, Family>, maxModelLen: number): Family {
  const spec = TABLE[name]!;
  const family = families.get(exported(name));
  if (!family) throw new Error(`${name} is not exported`);
  expect([name, family.type, family.help]).toEqual([name, spec.type, spec.help]);
  expect(family.series.length).toBeGreaterThan(0);
  for (const c of family.series) expect([name, Object.keys(c.labels).sort()]).toEqual([name, [...spec.labels].sort()]);
  for (const [label, values] of Object.entries(spec.labelValues ?? {}))
    expect([name, family.series.map((c) => c.labels[label]).sort()]).toEqual([name, [...values].sort()]);
  if (spec.type === 'histogram') {
    const bounds = bucketsOf(spec.bucketFamily as never, maxModelLen).map(String);
    for (const c of family.series) expect([name, c.buckets]).toEqual([name, [...bounds, '+Inf']]);
  }
  return family;
}

describe("the simulated engine's metrics are vLLM 0.33.0's", () => {
  let engine: SimEngine;
  let spec: SimEngine;
  beforeAll(async () => {
    engine = await startSimEngine({ mode: 'fp16', port: 0, timeScale: 500, logger: quiet });
    spec = await startSimEngine({ mode: 'spec-ngram', port: 0, timeScale: 500, logger: quiet });
  });
  afterAll(async () => {
    await engine.close();
    await spec.close();
  });
  const maxModelLen = () => engine.core.model.maxModelLen;

  it('holds a table read from the release wheel, with the metrics clients read', () => {
    expect(VLLM_METRICS.vllm).toBe('0.33.0');
    expect(TABLE['vllm:request_time_per_output_token_seconds']).toMatchObject({
      type: 'histogram',
      bucketFamily: 'inter_token_latency',
    });
    expect(TABLE['vllm:request_params_n']).toMatchObject({ type: 'histogram', bucketFamily: 'request_params_n' });
    expect(TABLE['vllm:request_params_max_tokens']).toMatchObject({ bucketFamily: 'request_tokens' });
    expect(TABLE['vllm:request_success']?.labelValues).toEqual({
      finished_reason: ['stop', 'length', 'abort', 'error', 'repetition'],
    });
    for (const name of Object.keys(NOT_SIMULATED)) expect(TABLE[name]).toBeDefined();
  });

  it('exports, idle, every metric the release always exports, with its type, help, labels, children and buckets', async () => {
    const families = await scrape(engine);
    const always = Object.keys(TABLE).filter((n) => !TABLE[n]!.when && !(n in NOT_SIMULATED));
    expect(always.length).toBeGreaterThan(30);
    for (const name of always) {
      const family = check(name, families, Math.min(maxModelLen(), engine.core.memory.kvCapacityTokens));
      // Idle: histograms have their series, with zero counts, as prometheus_client shows children made at start.
      if (TABLE[name]!.type === 'histogram') expect([name, family.series[0]!.count]).toEqual([name, 0]);
    }
    // Beside each counter and histogram, its creation time as prometheus_client writes it.
    for (const name of always.filter((n) => TABLE[n]!.type !== 'gauge')) {
      const family = families.get(`${name}_created`);
      expect([name, family?.type, family?.series.length]).toEqual([
        name,
        'gauge',
        families.get(exported(name))?.series.length,
      ]);
      expect(family!.series[0]!.value).toBeGreaterThan(1.7e9);
    }
    // Nothing the release does not define.
    const known = new Set(
      Object.keys(TABLE).flatMap((n) => (TABLE[n]!.type === 'gauge' ? [n] : [exported(n), `${n}_created`])),
    );
    expect([...families.keys()].filter((n) => n.startsWith('vllm:') && !known.has(n))).toEqual([]);
  });

  it('exports the speculative-decoding counters of a speculative mode, one per-position child per draft token', async () => {
    const families = await scrape(spec);
    for (const name of Object.keys(TABLE).filter((n) => n.startsWith('vllm:spec_decode_'))) check(name, families, 0);
    const perPos = families.get('vllm:spec_decode_num_accepted_tokens_per_pos_total')!;
    expect(perPos.series).toHaveLength(spec.core.mode.speculative!.numSpeculativeTokens);
    expect((await scrape(engine)).has('vllm:spec_decode_num_drafts_total')).toBe(false);
  });

  it('observes the time per output token and the request parameters of each finished request', async () => {
    const res = await fetch(`${engine.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: 'Tell me a story', max_tokens: 20, ignore_eos: true }),
    });
    expect(res.status).toBe(200);
    const families = await scrape(engine);
    const one = (name: string) => families.get(name)!.series[0]!;
    const tpot = one('vllm:request_time_per_output_token_seconds');
    const decode = one('vllm:request_decode_time_seconds');
    expect(tpot.count).toBe(1);
    // vLLM's mean time per output token: decode time over the 19 tokens after the first.
    expect(tpot.sum!).toBeCloseTo(decode.sum! / 19, 6);
    expect(tpot.sum).toBeGreaterThan(0);
    const params = one('vllm:request_params_max_tokens');
    expect([params.count, params.sum]).toEqual([1, 20]);
    expect([one('vllm:request_params_n').count, one('vllm:request_params_n').sum]).toEqual([1, 1]);
    expect(one('vllm:request_max_num_generation_tokens').sum).toBe(20);
    const success = families.get('vllm:request_success_total')!.series;
    expect(success.find((c) => c.labels['finished_reason'] === 'length')?.value).toBe(1);
  });
});
