import { createEngineCore, type EngineCore } from '../../src/sim/engine/core.js';
import type { CoreEvent, RequestResult } from '../../src/sim/engine/core-types.js';
import { resolveMode } from '../../src/model/mode-presets.js';
import { gpuById } from '../../src/model/gpus.js';

function core(mode = 'fp16', extra: Partial<Parameters<typeof createEngineCore>[0]> = {}): EngineCore {
  return createEngineCore({
    gpu: 'h100-80gb',
    model: 'llama-3.1-8b-instruct',
    mode: resolveMode(mode),
    seed: 1,
    ...extra,
  });
}

function submitAll(
  c: EngineCore,
  n: number,
  prompt: number,
  output: number,
  results: RequestResult[],
  events: CoreEvent[] = [],
): void {
  for (let i = 0; i < n; i += 1) {
    c.submit({ id: `r${i}`, promptTokens: prompt, outputTokens: output, maxTokens: 10_000 }, (e) => {
      events.push(e);
      if (e.type === 'done') results.push(e.result);
    });
  }
}

describe('engine core', () => {
  it('draws idle power and integrates it into energy when nothing runs', () => {
    const c = core();
    c.advanceTo(10);
    expect(c.energyJoules()).toBeCloseTo(gpuById('h100-80gb').idleWatts * 10, 6);
    expect(c.nextEventTime()).toBeUndefined();
  });

  it('batches up to max-num-seqs and queues the rest', () => {
    const c = core('fp16', { maxNumSeqs: 4 });
    const results: RequestResult[] = [];
    submitAll(c, 10, 100, 20, results);
    c.advanceTo(c.nextEventTime()!);
    expect(c.runningCount()).toBe(4);
    expect(c.queueDepth()).toBe(6);
    c.runUntilIdle();
    expect(results).toHaveLength(10);
    expect(results.every((r) => r.outputTokens === 20 && r.finishReason === 'stop')).toBe(true);
    const queued = results.filter((r) => (r.scheduledTime ?? 0) > r.arrivalTime);
    expect(queued).toHaveLength(6);
  });

  it('emits the first token, then tokens, then done with the right counts and reasons', () => {
    const c = core();
    const events: CoreEvent[] = [];
    c.submit({ id: 'a', promptTokens: 50, outputTokens: 1000, maxTokens: 8 }, (e) => events.push(e));
    c.runUntilIdle();
    const tokens = events.filter((e) => e.type === 'tokens');
    expect(tokens[0]).toMatchObject({ first: true, count: 1 });
    expect(tokens.reduce((s, e) => s + (e.type === 'tokens' ? e.count : 0), 0)).toBe(8);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.result.finishReason).toBe('length');
    expect(c.counters()).toMatchObject({ promptTokens: 50, generationTokens: 8 });
  });

  it('replays identically for the same seed and differently for another (speculative acceptance is random)', () => {
    const trace = (seed: number) => {
      const c = core('spec-eagle', { seed });
      const results: RequestResult[] = [];
      submitAll(c, 8, 300, 200, results);
      c.runUntilIdle();
      return results.map((r) => [r.id, r.finishTime, r.energyJoules]);
    };
    expect(trace(3)).toEqual(trace(3));
    expect(trace(3)).not.toEqual(trace(4));
  });

  it('aborts a running request: done with reason abort, slot and KV freed', () => {
    const c = core();
    const results: RequestResult[] = [];
    submitAll(c, 1, 100, 500, results);
    c.advanceTo(0.05);
    expect(c.kvCacheUsage()).toBeGreaterThan(0);
    expect(c.abort('r0')).toBe(true);
    expect(results[0]?.finishReason).toBe('abort');
    expect(c.runningCount()).toBe(0);
    expect(c.kvCacheUsage()).toBe(0);
    expect(c.abort('r0')).toBe(false);
  });

  it('skips prefill for a cached prefix, so the second request starts sooner', () => {
    const ttft = (mode: string) => {
      const c = core(mode);
      const hashes = Array.from({ length: 250 }, (_, i) => `block-${i}`);
      const results: RequestResult[] = [];
      for (const id of ['first', 'second']) {
        c.submit(
          { id, promptTokens: 4010, outputTokens: 5, maxTokens: 5, blockHashes: hashes },
          (e) => e.type === 'done' && results.push(e.result),
        );
        c.runUntilIdle();
      }
      const second = results[1]!;
      return {
        ttft: second.firstTokenTime! - second.arrivalTime,
        cached: second.cachedPromptTokens,
        hits: c.counters().prefixHits,
      };
    };
    const cached = ttft('fp16-prefix');
    const plain = ttft('fp16');
    expect(cached.cached).toBe(4000);
    expect(cached.hits).toBe(4000);
    expect(plain.cached).toBe(0);
    expect(cached.ttft).toBeLessThan(plain.ttft / 3);
  });

  it('preempts and recomputes when the KV cache runs out, and still finishes everything', () => {
    const c = createEngineCore({
      gpu: 'l40s',
      model: 'llama-3.1-8b-instruct',
      mode: resolveMode('fp16'),
      gpuMemoryUtilization: 0.45,
    });
    const results: RequestResult[] = [];
    submitAll(c, 32, 1000, 600, results);
    c.runUntilIdle();
    expect(results).toHaveLength(32);
    expect(c.counters().preemptions).toBeGreaterThan(0);
    expect(results.every((r) => r.outputTokens === 600)).toBe(true);
  });

  it('rejects a prompt larger than the KV cache with a clear message', () => {
    const c = createEngineCore({
      gpu: 'l40s',
      model: 'llama-3.1-8b-instruct',
      mode: resolveMode('fp16'),
      gpuMemoryUtilization: 0.45,
    });
    expect(() =>
      c.submit({ id: 'x', promptTokens: 1_000_000, outputTokens: 1, maxTokens: 1 }, () => undefined),
    ).toThrow(/KV cache capacity/);
  });
});
