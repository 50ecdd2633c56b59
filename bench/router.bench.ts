/**
 * Router benchmark: decision cost (features + rules, tokenization apart), latency the router adds over calling the
 * backend directly at a fixed arrival rate, throughput against nginx proxying to the same backend, and a memory soak.
 *
 * Knobs (environment): BENCH_RATE (req/s, default 500), BENCH_SECONDS (latency run, default 5),
 * SOAK_SECONDS (default 10; 600 for the closing note), WRK_SECONDS (default 5).
 * The backend and the router each run in their own worker thread so the load generator does not share their event
 * loop. Prompt lengths follow the Azure LLM inference trace 2023 (conversation service; Splitwise, ISCA 2024, CC-BY 4.0).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import type { InferenceModePolicy } from '../src/api/v1alpha1/types.js';
import { createLogger } from '../src/observability/logger.js';
import { classify } from '../src/router/classify/features.js';
import type { NormalizedRequest } from '../src/router/classify/normalized-request.js';
import { PrefixTracker } from '../src/router/classify/prefix-tracker.js';
import { TokenCounter } from '../src/router/classify/token-counter.js';
import { RouterCore } from '../src/router/core/router-core.js';
import { createRouter } from '../src/router/create-router.js';
import { compilePolicy } from '../src/router/decide/compile-policy.js';
import { decide } from '../src/router/decide/decide.js';
import { PodRegistry } from '../src/router/discovery/pod-registry.js';
import { staticSource } from '../src/router/discovery/static-source.js';
import { TelemetryStore } from '../src/router/telemetry/telemetry-store.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const MODES = ['fp16', 'fp8', 'int4', 'spec'];
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const POLICY: InferenceModePolicy = {
  apiVersion: 'modeswitch.io/v1alpha1',
  kind: 'InferenceModePolicy',
  metadata: { name: 'bench', namespace: 'default', generation: 1 },
  spec: {
    model: MODEL,
    modes: MODES.map((name) => ({ name })),
    routing: {
      defaultMode: 'fp8',
      rules: [
        { name: 'quality-first', when: "request.type in ['code', 'math']", mode: 'fp16' },
        { name: 'short', when: 'request.inputTokens < 512 && request.maxOutputTokens <= 128', mode: 'int4' },
        { name: 'long-output', when: "request.expectedOutputTokens > 256 && modes['spec'].queueDepth < 8", mode: 'spec' },
        { name: 'power-cap', when: "modes['fp16'].powerWatts > 600.0 && request.priority < 5", mode: 'int4' },
        { name: 'energy', when: "modes['int4'].energyPerToken < modes['fp8'].energyPerToken", mode: 'int4' },
      ],
      fallback: ['fp8', 'fp16'],
    },
  },
};

// ---------------------------------------------------------------- worker roles

const VLLM_METRICS = 'vllm:num_requests_waiting{model_name="m"} 0\nvllm:num_requests_running{model_name="m"} 1\nvllm:kv_cache_usage_perc{model_name="m"} 0.2\n';
const ANSWER = JSON.stringify({
  id: 'cmpl-1', object: 'text_completion', created: 0, model: MODEL,
  choices: [{ index: 0, text: ' a short fixed answer', finish_reason: 'length', logprobs: null }],
  usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
});

/** A backend that answers instantly: what is measured is the proxy, not the engine. */
function startBackend(): Promise<number> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(VLLM_METRICS);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) }).end(ANSWER));
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function startRouterWorker(backendUrl: string): Promise<number> {
  const router = createRouter({
    discovery: staticSource(POLICY, Object.fromEntries(MODES.map((m) => [m, [backendUrl]]))),
    listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0 },
    dcgmUrls: [],
    scrapeIntervalMs: 1000,
    maxRequestBytes: 4 * 1024 * 1024,
    drainTimeoutMs: 1000,
    logger: createLogger('bench-router', { level: 'warn' }),
  });
  const { httpPort } = await router.start();
  parentPort?.on('message', (m: string) => {
    if (m === 'memory') parentPort?.postMessage({ memory: process.memoryUsage() });
  });
  return httpPort;
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role) {
  const data = workerData as { role: 'backend' | 'router'; backendUrl?: string };
  const port = data.role === 'backend' ? await startBackend() : await startRouterWorker(data.backendUrl as string);
  parentPort?.postMessage({ port });
}

function startWorker(role: 'backend' | 'router', extra: Record<string, unknown> = {}): Promise<{ worker: Worker; port: number }> {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role, ...extra } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { port: number }) => resolve({ worker, port: m.port }));
    worker.once('error', reject);
  });
}

// ---------------------------------------------------------------- helpers

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function summary(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

/** Prompts shaped like the trace: ContextTokens → ~4.2 chars per token of prose, GeneratedTokens → max_tokens. */
function traceRequests(limit: number): NormalizedRequest[] {
  const file = [join(process.cwd(), 'data/azure-llm-2023/conv.csv'), '/work/shared/data/azure-llm-2023/conv.csv'].find((f) => existsSync(f));
  const rows = file ? readFileSync(file, 'utf8').split('\n').slice(1, limit + 1) : [];
  const pairs = rows.map((r) => r.split(',')).filter((c) => c.length === 3).map((c) => [Number(c[1]), Number(c[2])] as const);
  if (pairs.length === 0) for (let i = 0; i < limit; i++) pairs.push([100 + ((i * 37) % 2000), 20 + ((i * 13) % 400)]);
  const words = 'the model answers every question about energy latency and quality of serving modes on modern GPUs'.split(' ');
  const asks = ['Summarize the meeting notes.', 'Write a python function to parse logs.', 'Explain why the sky is blue.', 'Hello there!'];
  return pairs.map(([ctx, gen], i) => {
    let text = '';
    for (let w = 0; text.length < ctx * 4.2; w++) text += `${words[(w + i) % words.length]} `;
    const ask = asks[i % asks.length] as string;
    return { kind: 'chat', model: MODEL, text: `${ask}\n${text}`, ask, maxTokens: gen, stream: i % 2 === 0, hints: {}, tenant: '', priority: 0, body: {} };
  });
}

// ---------------------------------------------------------------- 1. decision cost

function decisionCost(): void {
  const requests = traceRequests(5000);
  const registry = new PodRegistry();
  registry.update(new Map(MODES.map((m) => [m, [{ url: `http://${m}-0`, mode: m, pod: `${m}-0`, namespace: 'default', ready: true }, { url: `http://${m}-1`, mode: m, ready: true }]])));
  const store = new TelemetryStore({ modeOfPod: () => undefined, onEnergy: () => undefined, energyWindowMs: 30_000 });
  for (const p of registry.all()) store.recordEngine(p.url, p.mode, { queueDepth: 2, running: 4, kvCacheUsage: 0.3 }, Date.now() + 3_600_000);
  const core = new RouterCore({ registry, store, now: () => Date.now() });
  const policy = compilePolicy(POLICY);
  core.setPolicy(policy);
  const view = core.modeView();
  if (!view) throw new Error('no mode view');
  const tokens = new TokenCounter();
  const prefixes = new PrefixTracker();
  const inputTokens = requests.map((r) => tokens.estimate(r.text.length));

  const featuresAndRules: number[] = [];
  const rulesOnly: number[] = [];
  let sink = 0;
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < requests.length; i++) {
      const r = requests[i] as NormalizedRequest;
      const t0 = process.hrtime.bigint();
      const features = classify(r, { inputTokens: inputTokens[i] as number, prefixes, charsPerToken: tokens.ratio, maxModelLen: policy.maxModelLen, now: 0 });
      const t1 = process.hrtime.bigint();
      const d = decide({ policy, bindings: { request: features, modes: view.states }, pods: view.pods });
      const t2 = process.hrtime.bigint();
      sink += d.rule.length;
      if (round > 0) {
        featuresAndRules.push(Number(t2 - t0) / 1000);
        rulesOnly.push(Number(t2 - t1) / 1000);
      }
    }
  }
  const tokenize: number[] = [];
  // Prompt heads under the tokenizer threshold (DEFAULT_TOKEN_COUNTER.tokenizeBelowChars): what gets tokenized.
  const short = requests.slice(0, 1000).map((r) => r.text.slice(0, 1000));
  for (const text of short) {
    const t0 = process.hrtime.bigint();
    sink += tokens.count(text, MODEL);
    tokenize.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const route: number[] = [];
  for (let i = 0; i < 2; i++) {
    for (const r of requests) {
      const t0 = process.hrtime.bigint();
      sink += core.route(r).decision.rule.length;
      if (i > 0) route.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  const a = summary(featuresAndRules);
  const b = summary(rulesOnly);
  const t = summary(tokenize);
  const c = summary(route);
  const interpreted = policy.rules.filter((r) => !r.fast).length;
  console.log(`decision cost per request (µs), ${featuresAndRules.length} requests, ${policy.rules.length} rules (${interpreted} interpreted), reference 9.6 µs`);
  console.log(`  features + rules      p50 ${fmt(a.p50)}  p99 ${fmt(a.p99)}  mean ${fmt(a.mean)}   (goal p50 < 5, p99 < 50)`);
  console.log(`  rules + guards only   p50 ${fmt(b.p50)}  p99 ${fmt(b.p99)}  mean ${fmt(b.mean)}`);
  console.log(`  Llama 3 tokenizer     p50 ${fmt(t.p50)}  p99 ${fmt(t.p99)}  mean ${fmt(t.mean)}   (${short.length} prompt heads of 1000 chars; longer prompts use the estimate, now ${fmt(tokens.ratio)} chars/token)`);
  console.log(`  route() all included  p50 ${fmt(c.p50)}  p99 ${fmt(c.p99)}  mean ${fmt(c.mean)}   (tokenizer + prefix tracking + features + rules)`);
  if (sink === 42) console.log('');
}

// ---------------------------------------------------------------- 2. added latency

const BODY = JSON.stringify({ model: MODEL, prompt: 'Hello there, how are you?', max_tokens: 16 });

/** Open loop: requests leave at a fixed rate whatever the answers do, as real clients do. */
async function openLoop(origin: string, rate: number, seconds: number): Promise<{ lat: number[]; errors: number }> {
  const pool = new Pool(origin, { connections: 64 });
  const lat: number[] = [];
  let errors = 0;
  const n = Math.round(rate * seconds);
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    inflight.push(
      pool
        .request({ path: '/v1/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY })
        .then(async (res) => {
          await res.body.text();
          if (res.statusCode !== 200) errors++;
          lat.push(performance.now() - t0);
        })
        .catch(() => void errors++),
    );
  }
  await Promise.all(inflight);
  await pool.close();
  return { lat, errors };
}

async function addedLatency(backendPort: number, routerPort: number): Promise<void> {
  const rate = env('BENCH_RATE', 500);
  const seconds = env('BENCH_SECONDS', 5);
  await openLoop(`http://127.0.0.1:${routerPort}`, rate, 1);
  const direct = await openLoop(`http://127.0.0.1:${backendPort}`, rate, seconds);
  const routed = await openLoop(`http://127.0.0.1:${routerPort}`, rate, seconds);
  const d = summary(direct.lat);
  const r = summary(routed.lat);
  console.log(`latency added by the router at ${rate} req/s for ${seconds} s (ms), non-streamed completions`);
  console.log(`  backend directly      p50 ${fmt(d.p50, 3)}  p99 ${fmt(d.p99, 3)}   errors ${direct.errors}`);
  console.log(`  through the router    p50 ${fmt(r.p50, 3)}  p99 ${fmt(r.p99, 3)}   errors ${routed.errors}`);
  console.log(`  added                 p50 ${fmt(r.p50 - d.p50, 3)}  p99 ${fmt(r.p99 - d.p99, 3)}   (goal p50 < 1, p99 < 3)`);
}

// ---------------------------------------------------------------- 3. throughput against nginx

const exec = promisify(execFile);

async function wrk(url: string, script: string, seconds: number): Promise<number> {
  const { stdout } = await exec('wrk', ['-t1', '-c32', `-d${seconds}s`, '-s', script, url], { timeout: (seconds + 30) * 1000 });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  return m ? Number(m[1]) : NaN;
}

async function throughputVsNginx(backendPort: number, routerPort: number): Promise<void> {
  const seconds = env('WRK_SECONDS', 5);
  const haveTools = await Promise.all([exec('which', ['wrk']), exec('which', ['nginx'])]).then(() => true, () => false);
  if (!haveTools) {
    console.log('throughput vs nginx: skipped (apt-get update && apt-get install -y nginx wrk)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'router-bench-'));
  const script = join(dir, 'post.lua');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = '${BODY}'\nwrk.headers["Content-Type"] = "application/json"\n`);
  const nginxPort = 20000 + Math.floor(Math.random() * 20000);
  // One worker: the router is one Node process, so each side gets one core's worth of event loop.
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log; daemon off;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; }
  server { listen 127.0.0.1:${nginxPort}; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`,
  );
  const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const viaNginx = await wrk(`http://127.0.0.1:${nginxPort}/v1/completions`, script, seconds);
    const viaRouter = await wrk(`http://127.0.0.1:${routerPort}/v1/completions`, script, seconds);
    console.log(`throughput, wrk 32 connections ${seconds} s, same backend (req/s)`);
    console.log(`  nginx (1 worker)      ${fmt(viaNginx, 0)}`);
    console.log(`  router                ${fmt(viaRouter, 0)}   ratio router/nginx ${fmt(viaRouter / viaNginx, 2)}`);
  } finally {
    nginx.kill('SIGTERM');
  }
}

// ---------------------------------------------------------------- 4. soak

async function soak(router: Worker, routerPort: number): Promise<void> {
  const seconds = env('SOAK_SECONDS', 10);
  const memory = () =>
    new Promise<NodeJS.MemoryUsage>((resolve) => {
      router.once('message', (m: { memory: NodeJS.MemoryUsage }) => resolve(m.memory));
      router.postMessage('memory');
    });
  const mb = (n: number) => fmt(n / 1024 / 1024, 1);
  const samples: NodeJS.MemoryUsage[] = [await memory()];
  let errors = 0;
  let sent = 0;
  for (let s = 0; s < seconds; s++) {
    const r = await openLoop(`http://127.0.0.1:${routerPort}`, 200, 1);
    errors += r.errors;
    sent += r.lat.length;
    samples.push(await memory());
  }
  const first = samples[1] ?? samples[0];
  const last = samples.at(-1);
  const maxHeap = Math.max(...samples.map((m) => m.heapUsed));
  console.log(`soak: ${seconds} s at 200 req/s (${sent} answered, ${errors} errors), router worker memory (MB)`);
  console.log(`  heap used after 1 s ${mb(first?.heapUsed ?? 0)}, at the end ${mb(last?.heapUsed ?? 0)}, max ${mb(maxHeap)}; process RSS at the end ${mb(last?.rss ?? 0)}`);
}

export async function run(): Promise<void> {
  decisionCost();
  const backend = await startWorker('backend');
  const router = await startWorker('router', { backendUrl: `http://127.0.0.1:${backend.port}` });
  try {
    await addedLatency(backend.port, router.port);
    await throughputVsNginx(backend.port, router.port);
    await soak(router.worker, router.port);
  } finally {
    await router.worker.terminate();
    await backend.worker.terminate();
  }
}
