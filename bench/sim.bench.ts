import { request as httpRequest, Agent } from 'node:http';
import { createEngineCore } from '../src/sim/engine/core.js';
import { startSimEngine } from '../src/sim/engine/server.js';
import { resolveMode } from '../src/model/mode-presets.js';
import { runClosedLoop } from '../src/sim/workload/closed-loop.js';
import { createLogger } from '../src/observability/logger.js';

/** Simulated seconds per wall second when a bare core replays a closed-loop workload (no sockets). */
function replayRatio(): { simSeconds: number; wallSeconds: number; requests: number } {
  const core = createEngineCore({
    gpu: 'h100-80gb',
    model: 'llama-3.1-8b-instruct',
    mode: resolveMode('spec-eagle'),
    seed: 1,
  });
  const started = performance.now();
  const requests = 4000;
  const summary = runClosedLoop({
    core,
    concurrency: 128,
    requests,
    request: (i) => ({ promptTokens: 256 + (i % 7) * 128, outputTokens: 200 + (i % 5) * 50, maxTokens: 1024 }),
  });
  return { simSeconds: summary.seconds, wallSeconds: (performance.now() - started) / 1000, requests };
}

interface StreamRun {
  streams: number;
  completed: number;
  wallSeconds: number;
  tokensPerSecond: number;
  /** Client-observed mean latency over the engine's simulated mean e2e latency (client in the same process). */
  lagRatio: number;
  /** Mean lateness of the engine's timers, simulated ms: what the engine adds beyond the model. */
  meanLateMs: number;
}

/** Sum and count of the engine's simulated e2e latency histogram. */
async function e2eTotals(url: string): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (suffix: string) =>
    Number(new RegExp(`^vllm:e2e_request_latency_seconds_${suffix}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sum: read('sum'), count: read('count') };
}

/** Opens `streams` concurrent SSE completions against a real-time engine and reports whether it kept up. */
async function concurrentStreams(streams: number, tokensEach: number): Promise<StreamRun> {
  const engine = await startSimEngine({
    mode: 'fp16',
    gpu: 'h100-80gb',
    port: 0,
    timeScale: 1,
    maxNumSeqs: 4096,
    logger: createLogger('bench', { level: 'error' }),
  });
  const agent = new Agent({ keepAlive: true, maxSockets: streams });
  const body = JSON.stringify({
    model: engine.servedModelName,
    prompt: 'benchmark',
    max_tokens: tokensEach,
    ignore_eos: true,
    stream: true,
  });
  const latencies: number[] = [];
  const one = (): Promise<boolean> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = httpRequest(
        `${engine.url}/v1/completions`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          let tail = '';
          res.on('data', (c: Buffer) => {
            tail = (tail + c.toString()).slice(-32);
          });
          res.on('end', () => {
            latencies.push((performance.now() - t0) / 1000);
            resolve(tail.includes('[DONE]'));
          });
        },
      );
      req.on('error', () => resolve(false));
      req.end(body);
    });
  await one(); // warm-up: tokenizer tables and JIT, outside the measurement
  latencies.length = 0;
  const before = await e2eTotals(engine.url);
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: streams }, one));
  const wallSeconds = (performance.now() - started) / 1000;
  const after = await e2eTotals(engine.url);
  const simMean = (after.sum - before.sum) / (after.count - before.count);
  const meanLateMs = engine.lateness().meanSeconds * 1000;
  agent.destroy();
  await engine.close();
  const completed = results.filter(Boolean).length;
  const clientMean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  return {
    streams,
    completed,
    wallSeconds,
    tokensPerSecond: (completed * tokensEach) / wallSeconds,
    lagRatio: clientMean / simMean,
    meanLateMs,
  };
}

/** Prints how fast the simulator runs on this machine. */
export async function run(): Promise<void> {
  const replay = replayRatio();
  console.log(
    `sim: replayed ${replay.requests} requests, ${replay.simSeconds.toFixed(1)} simulated s in ${replay.wallSeconds.toFixed(2)} wall s ` +
      `-> simulated-to-wall ratio ${(replay.simSeconds / replay.wallSeconds).toFixed(0)}x`,
  );
  let sustained = 0;
  for (const streams of [64, 256, 512, 1024]) {
    const r = await concurrentStreams(streams, 100);
    // Kept up: every stream finished and the engine delivered events within 2 ms of simulated time on average.
    const ok = r.completed === r.streams && r.meanLateMs <= 2;
    if (ok) sustained = streams;
    console.log(
      `sim: ${r.streams} concurrent SSE streams (real time, H100 fp16): ${r.completed} completed in ${r.wallSeconds.toFixed(2)} s, ` +
        `${r.tokensPerSecond.toFixed(0)} tokens/s delivered, engine timer lateness ${r.meanLateMs.toFixed(2)} ms, client/simulated latency ${r.lagRatio.toFixed(2)} (client in-process)${ok ? '' : ' (not sustained)'}`,
    );
  }
  console.log(`sim: one engine process sustains ${sustained} concurrent streams in real time on this machine`);
}
