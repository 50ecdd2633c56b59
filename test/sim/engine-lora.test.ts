import { runSim } from '../../src/cli/sim.js';
import { createEngineCore } from '../../src/sim/engine/core.js';
import type { RequestResult } from '../../src/sim/engine/core-types.js';
import { startSimEngine } from '../../src/sim/engine/server.js';
import type { SimEngine } from '../../src/sim/engine/server.js';
import { LORA_FORWARD_OVERHEAD } from '../../src/model/lora.js';
import { resolveMode } from '../../src/model/mode-presets.js';
import { stepCost } from '../../src/model/roofline.js';
import { gpuById } from '../../src/model/gpus.js';
import { modelById } from '../../src/model/models.js';
import { createLogger } from '../../src/observability/logger.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const quiet = createLogger('test', { level: 'error' });
const ADAPTERS = [
  { name: 'code', source: '/models-cache/adapters/code', rank: 16 },
  { name: 'math', source: '/models-cache/adapters/math', rank: 8 },
];

describe('a simulated engine serving LoRA adapters (--enable-lora --lora-modules)', () => {
  let engine: SimEngine;
  beforeAll(async () => {
    engine = await startSimEngine({
      mode: 'fp16',
      port: 0,
      servedModelName: MODEL,
      timeScale: 50,
      loraModules: ADAPTERS,
      logger: quiet,
    });
  });
  afterAll(async () => {
    await engine.close();
  });

  const complete = (model: string) =>
    fetch(`${engine.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, prompt: 'def add(a, b):', max_tokens: 4 }),
    });

  it('lists the adapters after the base model, with their weights as root and the base as parent', async () => {
    const body = (await (await fetch(`${engine.url}/v1/models`)).json()) as {
      data: Array<{ id: string; root: string; parent: string | null }>;
    };
    expect(body.data.map((m) => [m.id, m.root, m.parent])).toEqual([
      [MODEL, 'meta-llama/Llama-3.1-8B-Instruct', null],
      ['code', '/models-cache/adapters/code', MODEL],
      ['math', '/models-cache/adapters/math', MODEL],
    ]);
  });

  it('answers a request that names an adapter as its model, under that name', async () => {
    const res = await complete('code');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe('code');
  });

  it("refuses an adapter it does not load with vLLM's 404", async () => {
    const res = await complete('legal');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: 'The model `legal` does not exist.', type: 'NotFoundError', param: null, code: 404 },
    });
  });

  it('takes vLLM-style --lora-modules NAME=SOURCE on the command line, refusing other shapes', async () => {
    let err = '';
    const code = await runSim(['engine', '--port', '0', '--lora-modules', 'code'], {
      out: () => undefined,
      err: (l: string) => void (err += l),
      readFile: () => '',
    });
    expect(code).toBe(1);
    expect(err).toContain("--lora-modules takes NAME=SOURCE, got 'code'");
  });

  it('fails to start with an adapter above --max-lora-rank, as vLLM fails to load it', async () => {
    await expect(
      startSimEngine({ mode: 'fp16', port: 0, loraModules: [{ name: 'big', source: '/x', rank: 64 }], logger: quiet }),
    ).rejects.toThrow("adapter 'big' has rank 64, above maxLoraRank 16");
  });
});

describe('what LoRA costs the engine', () => {
  const hw = {
    gpu: gpuById('h100-80gb'),
    model: modelById('llama-3.1-8b-instruct'),
    profile: resolveMode('fp16'),
    tensorParallel: 1,
  };
  const work = { prefillTokens: 0, prefillAttention: 0, prefillSeqs: 0, decodeSeqs: 32, decodeContext: 32 * 1000 };

  it('adds the LoRA kernels to a step holding adapter sequences, and nothing to one without', () => {
    const base = stepCost(hw, work);
    const lora = stepCost(hw, { ...work, loraSeqs: 1 });
    expect(base.loraSeconds).toBe(0);
    expect(lora.loraSeconds).toBeCloseTo((base.seconds - base.overheadSeconds) * LORA_FORWARD_OVERHEAD, 12);
    expect(lora.seconds).toBeGreaterThan(base.seconds);
  });

  it('serves the same batch more slowly through an adapter, by less than the forward-pass overhead', () => {
    const finish = (adapter: string | undefined) => {
      const core = createEngineCore({
        gpu: 'h100-80gb',
        model: 'llama-3.1-8b-instruct',
        mode: resolveMode('fp16'),
        seed: 1,
      });
      const results: RequestResult[] = [];
      for (let i = 0; i < 32; i += 1) {
        core.submit(
          { id: `r${i}`, promptTokens: 500, outputTokens: 200, maxTokens: 1000, ...(adapter ? { adapter } : {}) },
          (e) => void (e.type === 'done' && results.push(e.result)),
        );
      }
      core.runUntilIdle();
      return Math.max(...results.map((r) => r.finishTime));
    };
    const slowdown = finish('code') / finish(undefined) - 1;
    expect(slowdown).toBeGreaterThan(0.05);
    expect(slowdown).toBeLessThan(LORA_FORWARD_OVERHEAD);
  });
});
