/**
 * Objective routing end to end: real HTTP through the real router to stand-in engines that batch like vLLM (a few
 * slots, the rest queue). A load step that first-match rules pile onto one mode breaks the TTFT target; the same
 * policy with `routing.strategy: Objective` spreads it as the preferred mode fills, from what the router learned of
 * each mode's engines. A cold preferred mode is served warm and counted as wanted; a mode whose engines decode far
 * slower than its seed stops being chosen once the router has seen them.
 */
import { create } from '@bufbuild/protobuf';
import { credentials, Metadata } from '@grpc/grpc-js';
import { jest } from '@jest/globals';
import type { InferenceModePolicy } from '../../src/api/v1alpha1/types.js';
import { ClassifyRequestSchema } from '../../src/gen/modeswitch/v1/router_pb.js';
import type { ClassifyResponse } from '../../src/gen/modeswitch/v1/router_pb.js';
import { routerClient } from '../../src/router/front/grpc/client.js';
import { batchingEngine, type BatchingShape } from './support/batching-engine.js';
import { MODEL, NAMESPACE, startHarness } from './support/harness.js';
import { closedAfterEachTest, type RouterOver, type StandInEngine } from './support/stand-in-engine.js';

jest.setTimeout(90_000);

const MODES = [
  {
    name: 'spec',
    quantization: 'fp8',
    speculative: { method: 'eagle3', model: 'yuhuili/EAGLE3-LLaMA3.1-Instruct-8B', numSpeculativeTokens: 3 },
  },
  { name: 'fp8', quantization: 'fp8' },
  { name: 'int4', quantization: 'awq_marlin' },
  { name: 'fp16', dtype: 'float16' },
] as const;
const TTFT_TARGET = 0.3;

/**
 * One policy, two strategies: no rule matches the measured traffic, so with Rules everything goes to the default
 * mode; the `learn-<mode>` tenants pin the traffic that shows the router each mode's engines.
 */
function policyWith(
  strategy: 'Rules' | 'Objective',
  modes: readonly (typeof MODES)[number][] = MODES,
): InferenceModePolicy {
  return {
    apiVersion: 'modeswitch.io/v1alpha1',
    kind: 'InferenceModePolicy',
    metadata: { name: 'llama', namespace: NAMESPACE, generation: 1 },
    spec: {
      model: MODEL,
      modes: modes.map((m) => structuredClone(m) as InferenceModePolicy['spec']['modes'][number]),
      routing: {
        defaultMode: modes[0]!.name,
        strategy,
        rules: modes.map((m) => ({
          name: `learn-${m.name}`,
          when: `request.tenant == 'learn-${m.name}'`,
          mode: m.name,
        })),
      },
      objective: { ttftP95Seconds: TTFT_TARGET, interTokenMeanSeconds: 0.1, qualityBudgetPoints: 5 },
    },
  };
}

interface Streamed {
  mode: string | null;
  rule: string | null;
  ttftSeconds: number;
}

/** A streamed chat completion, timed from the client: seconds to the first event of the answer. */
async function streamChat(
  r: Pick<RouterOver, 'http'>,
  maxTokens: number,
  tenant?: string,
  extra: Record<string, unknown> = {},
): Promise<Streamed> {
  const started = performance.now();
  const res = await fetch(`${r.http}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(tenant ? { 'x-modeswitch-tenant': tenant } : {}) },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'Tell me about lighthouses.' }],
      max_tokens: maxTokens,
      stream: true,
      ...extra,
    }),
  });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let ttftSeconds: number | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (ttftSeconds === undefined && value.length > 0) ttftSeconds = (performance.now() - started) / 1000;
  }
  return {
    mode: res.headers.get('x-modeswitch-mode'),
    rule: res.headers.get('x-modeswitch-rule'),
    ttftSeconds: ttftSeconds ?? Infinity,
  };
}

/** `n` requests sent at once: a load step. */
const burst = (r: RouterOver, n: number, maxTokens: number, tenant?: string) =>
  Promise.all(Array.from({ length: n }, () => streamChat(r, maxTokens, tenant)));

function p95(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1] as number;
}

function metricValue(text: string, name: string, labels: string): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && labels.split(',').every((kv) => l.includes(kv)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function classify(r: RouterOver): Promise<ClassifyResponse> {
  const client = routerClient(r.grpcTarget, credentials.createInsecure());
  return new Promise<ClassifyResponse>((resolve, reject) =>
    client.classify(
      create(ClassifyRequestSchema, {
        request: { model: MODEL, messages: [{ role: 'user', content: 'Tell me about lighthouses.' }], maxTokens: 8 },
      }),
      new Metadata(),
      (err, res) => (err || !res ? reject(err) : resolve(res)),
    ),
  ).finally(() => client.close());
}

const fleet = closedAfterEachTest();

/** One engine per mode, each shaped as given, and the router over them. */
async function start(policy: InferenceModePolicy, shapes: Record<string, BatchingShape>): Promise<RouterOver> {
  const engines: Record<string, StandInEngine[]> = {};
  for (const [mode, shape] of Object.entries(shapes)) engines[mode] = [await fleet.engine(batchingEngine(shape))];
  return fleet.router(policy, engines);
}

// Four slots per engine; ten tokens at 60 ms make a request hold its slot about 0.55 s, so a request that waits
// for a slot misses the 0.3 s TTFT target by itself.
const SHAPE: BatchingShape = { slots: 4, prefillMs: 10, interTokenMs: 60 };
const TOKENS = 10;
const STEP = 12;

describe('objective routing under a load step', () => {
  it('first-match rules pile the step onto one mode and miss the TTFT target', async () => {
    const r = await start(policyWith('Rules'), Object.fromEntries(MODES.map((m) => [m.name, SHAPE])));
    const served = await burst(r, STEP, TOKENS);
    expect(new Set(served.map((s) => s.mode))).toEqual(new Set(['spec']));
    // Twelve requests on four slots: the last four wait two full requests (about 1.1 s) for their first token.
    expect(p95(served.map((s) => s.ttftSeconds))).toBeGreaterThan(2 * TTFT_TARGET);
  });

  it('the same policy with strategy Objective keeps the target by moving requests off the mode that fills', async () => {
    const r = await start(policyWith('Objective'), Object.fromEntries(MODES.map((m) => [m.name, SHAPE])));
    // What the router has seen before the step: each mode's engine at up to three slots' worth of requests.
    for (let i = 0; i < 5; i++)
      await Promise.all(MODES.map((m) => burst(r, 3 * SHAPE.slots, TOKENS, `learn-${m.name}`)));
    const metrics = await r.metrics();
    for (const m of MODES)
      expect(metricValue(metrics, 'modeswitch_mode_model_samples_total', `mode="${m.name}",signal="first_token"`)).toBe(
        15 * SHAPE.slots,
      );

    const served = await burst(r, STEP, TOKENS);
    expect(served.every((s) => s.rule === 'objective')).toBe(true);
    const perMode = new Map<string, number>();
    for (const s of served) perMode.set(s.mode as string, (perMode.get(s.mode as string) ?? 0) + 1);
    // Spread so that no engine queues: every mode got some, none more than its slots.
    expect(perMode.size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...perMode.values())).toBeLessThanOrEqual(SHAPE.slots);
    expect(p95(served.map((s) => s.ttftSeconds))).toBeLessThan(TTFT_TARGET);
  });
});

describe('objective routing and cold or slow modes', () => {
  it('serves a request whose preferred mode is cold on a warm mode within the SLO, and counts the cold one as wanted', async () => {
    // spec (lowest J/token by its seed) has no pod at all.
    const r = await start(policyWith('Objective'), { fp8: SHAPE, int4: SHAPE, fp16: SHAPE });
    const explained = await classify(r);
    expect(explained.decision?.reason).toMatch(
      /objective → fp8 \(spec is cold .*: predicted TTFT [0-9.]+ s, [0-9.]+ ms\/token, [0-9.]+ J\/token at batch 1; preferred spec, counted as wanted\)/,
    );
    const s = await streamChat(r, 4);
    expect([s.mode, s.rule]).toEqual(['fp8', 'objective']);
    expect(s.ttftSeconds).toBeLessThan(TTFT_TARGET);
    // The dry run (Classify) counts nothing; the request does.
    expect(metricValue(await r.metrics(), 'modeswitch_wanted_requests_total', 'mode="spec"')).toBe(1);
  });

  it("serves a rule whose mode is cold down its fallback chain, and counts the rule's mode as wanted so it wakes", async () => {
    // int4 has no pod (scaled to zero); the learn-int4 tenant's rule asks for it.
    const r = await start(policyWith('Rules'), { spec: SHAPE, fp8: SHAPE, fp16: SHAPE });
    const s = await streamChat(r, 4, 'learn-int4');
    expect(s.rule).toBe('learn-int4');
    expect(s.mode).not.toBe('int4');
    expect(metricValue(await r.metrics(), 'modeswitch_wanted_requests_total', 'mode="int4"')).toBe(1);
  });

  it('stops preferring a mode once it has seen its engines decode far slower than the seed says', async () => {
    // spec's seed predicts 1.6 ms per token and the lowest J/token; its engine takes 150 ms. fp16 keeps near its seed.
    const modes = [MODES[0], MODES[3]] as const;
    const r = await start(policyWith('Objective', modes), {
      spec: { slots: 8, prefillMs: 5, interTokenMs: 150 },
      fp16: { slots: 8, prefillMs: 5, interTokenMs: 8 },
    });
    const first = await streamChat(r, 2);
    expect(first.mode).toBe('spec');
    const served: Streamed[] = [first];
    while (served.length < 80 && served.at(-1)?.mode === 'spec') served.push(await streamChat(r, 2));
    const after = await Promise.all([streamChat(r, 2), streamChat(r, 2)]);
    expect(after.map((s) => s.mode)).toEqual(['fp16', 'fp16']);
    const metrics = await r.metrics();
    // What it learned: spec's inter-token time is now predicted many times its seed's, and above fp16's.
    const specItl = metricValue(metrics, 'modeswitch_predicted_inter_token_seconds', 'mode="spec"') as number;
    expect(specItl).toBeGreaterThan(0.01);
    expect(specItl).toBeGreaterThan(
      metricValue(metrics, 'modeswitch_predicted_inter_token_seconds', 'mode="fp16"') as number,
    );
    expect(metricValue(metrics, 'modeswitch_mode_model_samples_total', 'mode="spec",signal="inter_token"')).toBe(
      served.filter((x) => x.mode === 'spec').length,
    );
    expect((await classify(r)).decision?.reason).toMatch(
      /objective → fp16 \(lowest J\/token within the SLO: predicted/,
    );
  });
});

describe("objective routing's power model", () => {
  it("learns each busy pod's power from the DCGM energy counter (simulated engines and dcgm-exporter)", async () => {
    const policy = policyWith('Objective', [MODES[1], MODES[3]]);
    const h = await startHarness(policy, { fp8: { preset: 'fp8' }, fp16: { preset: 'fp16' } });
    try {
      const r = { http: h.http };
      const samples = async (mode: string) =>
        metricValue(
          await (await fetch(h.metricsUrl)).text(),
          'modeswitch_mode_model_samples_total',
          `mode="${mode}",signal="power"`,
        ) ?? 0;
      const seen = async () => (await samples('fp8')) > 0 && (await samples('fp16')) > 0;
      // Waves of long answers (ignore_eos: every token up to max_tokens) keep both engines busy across scrapes, until
      // the router has had a scrape interval with each pod busy (bounded).
      for (let wave = 0; wave < 5 && !(await seen()); wave++) {
        await Promise.all(
          ['fp8', 'fp16'].flatMap((mode) =>
            Array.from({ length: 4 }, () => streamChat(r, 6000, `learn-${mode}`, { ignore_eos: true })),
          ),
        );
      }
      expect(await seen()).toBe(true);
      const text = await (await fetch(h.metricsUrl)).text();
      for (const mode of ['fp8', 'fp16'])
        expect(metricValue(text, 'modeswitch_predicted_joules_per_token', `mode="${mode}"`)).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });
});
