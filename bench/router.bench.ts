/**
 * Router benchmark: decision cost (features + rules, tokenization apart), latency the router adds over calling the
 * backend directly at a fixed arrival rate, throughput and latency beside peer gateways (nginx, HAProxy, Portkey)
 * against the same backend, streamed and not, and a memory soak.
 *
 * Every role has its own process, as deployed: the backend (nginx answering a fixed completion with `return 200`),
 * the router (bench/router/router-process.ts, log level info as shipped), the peers (bench/router/peers.ts) and the
 * load generators (bench/router/load-process.ts, wrk). Targets alternate in short runs so drift in the machine's load
 * hits all alike. Needs nginx, haproxy, wrk and Portkey's gateway: scripts/install-bench-tools.sh installs them, and
 * the bench stops at once naming any that is missing.
 *
 * Knobs (environment): BENCH_PARTS (comma list of decision,latency,peers,soak; default all), BENCH_RATE
 * (req/s, default 500), BENCH_SECONDS (latency seconds per side, default 20), WRK_SECONDS (default 4),
 * SOAK_SECONDS (default 10; 600 for the published figure), SOAK_RATE (default 200), ROUTER_LOG_LEVEL (default info),
 * BENCH_CPU_PROF (a directory: the routers of the peers part write V8 CPU profiles there).
 * Prompt lengths follow the Azure LLM inference trace 2023 (conversation service; Splitwise, ISCA 2024, CC-BY 4.0).
 */
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classify } from '../src/router/classify/features.js';
import type { NormalizedRequest } from '../src/router/classify/normalized-request.js';
import { PrefixTracker } from '../src/router/classify/prefix-tracker.js';
import { DEFAULT_TOKEN_COUNTER, TokenCounter } from '../src/router/classify/token-counter.js';
import { RouterCore } from '../src/router/core/router-core.js';
import { compilePolicy } from '../src/router/decide/compile-policy.js';
import { decide } from '../src/router/decide/decide.js';
import { PodRegistry } from '../src/router/pods/pod-registry.js';
import { TelemetryStore } from '../src/router/telemetry/telemetry-store.js';
import { loadTrace } from '../src/sim/workload/trace.js';
import { forkChild } from './router/child.js';
import type { BenchChild } from './router/child.js';
import {
  ANSWER,
  CHAT_BODY,
  CHAT_STREAM_BODY,
  MODEL,
  MODES,
  POLICY,
  STREAM_ANSWER,
  VLLM_METRICS,
} from './router/fixtures.js';
import type { LoadResult, LoadRun } from './router/load-process.js';
import { exec, nginxBackend, nginxProxy } from './router/nginx.js';
import { haproxy, portkey, requirePeerTools } from './router/peers.js';
import { fmt, summarize } from './router/stats.js';
import type { Summary } from './router/stats.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const summary = summarize;

// ---------------------------------------------------------------- helpers

/** Prompts shaped like the trace: ContextTokens → ~4.2 chars per token of prose, GeneratedTokens → max_tokens. */
function traceRequests(limit: number): NormalizedRequest[] {
  // The shipped Azure conversation trace (data/azure-llm-2023), found from the repository root wherever it runs.
  const pairs = loadTrace('conv')
    .slice(0, limit)
    .map((r) => [r.inputTokens, r.outputTokens] as const);
  const words =
    'the model answers every question about energy latency and quality of serving modes on modern GPUs'.split(' ');
  const asks = [
    'Summarize the meeting notes.',
    'Write a python function to parse logs.',
    'Explain why the sky is blue.',
    'Hello there!',
  ];
  return pairs.map(([ctx, gen], i) => {
    let text = '';
    for (let w = 0; text.length < ctx * 4.2; w++) text += `${words[(w + i) % words.length]} `;
    const ask = asks[i % asks.length] as string;
    return {
      kind: 'chat',
      model: MODEL,
      text: `${ask}\n${text}`,
      ask,
      maxTokens: gen,
      stream: i % 2 === 0,
      includeUsage: false,
      hints: {},
      tenant: '',
      priority: 0,
      body: {},
    };
  });
}

// ---------------------------------------------------------------- 1. decision cost

function decisionCost(): void {
  const requests = traceRequests(5000);
  const registry = new PodRegistry();
  registry.update(
    new Map(
      MODES.map((m) => [
        m,
        [
          { url: `http://${m}-0`, mode: m, pod: `${m}-0`, namespace: 'default', ready: true },
          { url: `http://${m}-1`, mode: m, ready: true },
        ],
      ]),
    ),
  );
  const store = new TelemetryStore({ modeOfPod: () => undefined, onEnergy: () => undefined, energyWindowMs: 30_000 });
  for (const p of registry.all())
    store.recordEngine(p.url, p.mode, { queueDepth: 2, running: 4, kvCacheUsage: 0.3 }, Date.now() + 3_600_000);
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
      const features = classify(r, {
        inputTokens: inputTokens[i] as number,
        prefixes,
        charsPerToken: tokens.ratio,
        maxModelLen: policy.maxModelLen,
        now: 0,
        classifyDomain: policy.readsDomain,
      });
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
  // The tokenizer apart, at a few prompt lengths: up to the threshold it runs on every request's event-loop turn.
  const threshold = DEFAULT_TOKEN_COUNTER.tokenizeBelowChars;
  const always = new TokenCounter({ ...DEFAULT_TOKEN_COUNTER, tokenizeBelowChars: Infinity });
  const tokenizer = [64, threshold - 1, 1000].map((chars) => {
    const heads = requests.slice(0, 1000).map((r) => r.text.slice(-chars));
    for (const text of heads.slice(0, 100)) sink += always.count(text, MODEL);
    const lat: number[] = [];
    for (const text of heads) {
      const t0 = process.hrtime.bigint();
      sink += always.count(text, MODEL);
      lat.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    return { chars, s: summary(lat) };
  });
  const route: number[] = [];
  for (let i = 0; i < 2; i++) {
    for (const r of requests) {
      const t0 = process.hrtime.bigint();
      sink += core.route(policy, r).decision.rule.length;
      if (i > 0) route.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  // routing.strategy Objective with no rule: every request ranks every mode by its live model's prediction.
  const objective = compilePolicy({
    ...POLICY,
    spec: {
      ...POLICY.spec,
      objective: { ttftP95Seconds: 0.5, interTokenMeanSeconds: 0.03, qualityBudgetPoints: 0.2 },
      routing: { ...POLICY.spec.routing, rules: [], strategy: 'Objective' },
    },
  });
  core.setPolicy(objective);
  const byObjective: number[] = [];
  for (let i = 0; i < 2; i++) {
    for (const r of requests) {
      const t0 = process.hrtime.bigint();
      sink += core.route(objective, r).decision.rule.length;
      if (i > 0) byObjective.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  const a = summary(featuresAndRules);
  const b = summary(rulesOnly);
  const c = summary(route);
  const o = summary(byObjective);
  const interpreted = policy.rules.filter((r) => !r.fast).length;
  console.log(
    `decision cost per request (µs), ${featuresAndRules.length} requests, ${policy.rules.length} rules (${interpreted} interpreted), reference 9.6 µs`,
  );
  console.log(
    `  features + rules      p50 ${fmt(a.p50)}  p99 ${fmt(a.p99)}  mean ${fmt(a.mean)}   (goal p50 < 5, p99 < 50)`,
  );
  console.log(`  rules + guards only   p50 ${fmt(b.p50)}  p99 ${fmt(b.p99)}  mean ${fmt(b.mean)}`);
  for (const { chars, s } of tokenizer) {
    const note = chars < threshold ? 'tokenized on the request path' : 'not on the request path: estimated instead';
    console.log(
      `  Llama 3 tokenizer     p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  mean ${fmt(s.mean)}   (${s.n} prompts of ${chars} chars; ${note})`,
    );
  }
  console.log(`  (prompts of ${threshold}+ chars use the calibrated estimate, now ${fmt(tokens.ratio)} chars/token)`);
  console.log(
    `  route() all included  p50 ${fmt(c.p50)}  p99 ${fmt(c.p99)}  mean ${fmt(c.mean)}   (tokenizer + prefix tracking + features + rules)`,
  );
  console.log(
    `  route(), Objective    p50 ${fmt(o.p50)}  p99 ${fmt(o.p99)}  mean ${fmt(o.mean)}   (no rules: the objective ranks ${MODES.length} modes by their live models)`,
  );
  if (sink === 42) console.log('');
}

// ---------------------------------------------------------------- 2. added latency

type Load = BenchChild<'ready'>;
const load = (gen: Load, run: LoadRun) => gen.ask<LoadResult>(run);

const row = (name: string, s: Summary) =>
  `  ${name.padEnd(20)} p50 ${fmt(s.p50, 3)}  p90 ${fmt(s.p90, 3)}  p99 ${fmt(s.p99, 3)}  max ${fmt(s.max, 3)}`;

async function addedLatency(
  gen: Load,
  backend: string,
  router: string,
  loopDelay: () => Promise<{ p50: number; p99: number; max: number }>,
): Promise<void> {
  const rate = env('BENCH_RATE', 500);
  const seconds = env('BENCH_SECONDS', 20);
  const segment = 2;
  // Warm-up: JIT, connection pools on both hops.
  for (const origin of [backend, router]) await load(gen, { origin, rate, count: rate });
  await loopDelay();
  const direct: number[] = [];
  const routed: number[] = [];
  let errors = 0;
  let lag = 0;
  for (let s = 0; s < Math.ceil(seconds / segment); s++) {
    // Alternate which side goes first so a slow moment of the machine is shared fairly.
    const order =
      s % 2 === 0
        ? ([
            [backend, direct],
            [router, routed],
          ] as const)
        : ([
            [router, routed],
            [backend, direct],
          ] as const);
    for (const [origin, into] of order) {
      const r = await load(gen, { origin, rate, count: rate * segment });
      into.push(...r.latencies);
      errors += r.errors;
      lag = Math.max(lag, r.maxSendLagMs);
    }
  }
  const d = summary(direct);
  const r = summary(routed);
  console.log(
    `latency added by the router, ${rate} req/s open loop, ${d.n} + ${r.n} requests in alternating ${segment} s segments (ms), non-streamed completions`,
  );
  console.log(row('backend directly', d));
  console.log(row('through the router', r));
  console.log(
    `  ${'added'.padEnd(20)} p50 ${fmt(r.p50 - d.p50, 3)}  p90 ${fmt(r.p90 - d.p90, 3)}  p99 ${fmt(r.p99 - d.p99, 3)}  max ${fmt(r.max - d.max, 3)}   (goal p50 < 1, p99 < 3)`,
  );
  const delay = await loopDelay();
  console.log(
    `  errors ${errors}; load generator's worst send lag ${fmt(lag, 2)} ms; router event-loop delay p50 ${fmt(delay.p50, 2)} p99 ${fmt(delay.p99, 2)} max ${fmt(delay.max, 2)} ms`,
  );
}

// ---------------------------------------------------------------- 3. throughput and latency against peer gateways

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  /** Answers other than 2xx/3xx, and socket errors. */
  errors: number;
}

const WRK_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

function wrkMs(stdout: string, percentile: string): number {
  const m = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(stdout);
  return m ? Number(m[1]) * (WRK_UNITS[m[2] as string] as number) : NaN;
}

async function wrk(url: string, script: string, seconds: number): Promise<WrkResult> {
  const { stdout } = await exec('wrk', ['-t1', '-c16', `-d${seconds}s`, '--latency', '-s', script, url], {
    timeout: (seconds + 30) * 1000,
  });
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const socketErrors = socket ? socket.slice(1).reduce((n, x) => n + Number(x), 0) : 0;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? NaN),
    p50: wrkMs(stdout, '50'),
    p99: wrkMs(stdout, '99'),
    errors: non2xx + socketErrors,
  };
}

/** A wrk script posting `body` with `headers`. */
function wrkScript(dir: string, name: string, body: string, headers: Record<string, string>): string {
  const file = join(dir, `${name}.lua`);
  const lines = [
    `wrk.method = "POST"`,
    `wrk.body = '${body}'`,
    ...Object.entries({ 'Content-Type': 'application/json', ...headers }).map(
      ([k, v]) => `wrk.headers["${k}"] = "${v}"`,
    ),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface Target {
  name: string;
  port: number;
  /** Extra request headers this gateway needs. */
  headers?: Record<string, string>;
}

const VARIANTS = [
  { name: 'non-streamed', body: CHAT_BODY, answer: ANSWER, contentType: 'application/json' },
  { name: 'streamed (16 SSE chunks)', body: CHAT_STREAM_BODY, answer: STREAM_ANSWER, contentType: 'text/event-stream' },
] as const;

/**
 * Throughput and latency of the router beside the gateways a user might pick instead, against the same backend in one
 * run: the backend directly, nginx and HAProxy (plain L7 proxies, one worker/thread), the router with one mode and
 * with the four-mode, five-rule bench policy, Portkey's AI gateway, and a bare Node proxy (the Node ceiling).
 */
async function peerComparison(logFd: number): Promise<void> {
  await requirePeerTools();
  const seconds = env('WRK_SECONDS', 4);
  const dir = mkdtempSync(join(tmpdir(), 'router-bench-peers-'));
  const gateway = await portkey();
  try {
    for (const variant of VARIANTS) {
      const backend = await nginxBackend(variant.answer, VLLM_METRICS, variant.contentType);
      const backendUrl = `http://127.0.0.1:${backend.port}`;
      const stops: Array<() => unknown> = [backend.stop];
      try {
        const nginx = await nginxProxy(backend.port);
        stops.push(nginx.stop);
        const hap = await haproxy(backend.port);
        stops.push(hap.stop);
        const profileDir = process.env['BENCH_CPU_PROF'];
        const routerOf = async (policy: string) => {
          // BENCH_CPU_PROF=DIR: each router writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
          const execArgv = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
          const child = await forkChild<{ port: number }>(new URL('./router/router-process.js', import.meta.url), {
            env: { BACKEND_URL: backendUrl, ROUTER_POLICY: policy },
            execArgv,
            stderr: logFd,
          });
          stops.push(child.stop);
          return child.ready.port;
        };
        const targets: Target[] = [
          { name: 'backend directly', port: backend.port },
          { name: 'nginx (1 worker)', port: nginx.port },
          { name: 'haproxy (1 thread)', port: hap.port },
          { name: 'ModeSwitch, 1 mode', port: await routerOf('one-mode') },
          { name: 'ModeSwitch, 4 modes', port: await routerOf('bench') },
          {
            name: 'Portkey gateway',
            port: gateway.port,
            headers: {
              'x-portkey-provider': 'openai',
              'x-portkey-custom-host': `${backendUrl}/v1`,
              Authorization: 'Bearer bench',
            },
          },
        ];
        if (variant.contentType === 'application/json') {
          const bare = await forkChild<{ port: number }>(new URL('./router/bare-proxy-process.js', import.meta.url), {
            env: { BACKEND_URL: backendUrl },
          });
          stops.push(bare.stop);
          targets.push({ name: 'bare Node proxy', port: bare.ready.port });
        }
        const scripts = targets.map((t, i) =>
          wrkScript(
            dir,
            `${variant.contentType === 'application/json' ? 'whole' : 'stream'}-${i}`,
            variant.body,
            t.headers ?? {},
          ),
        );
        const url = (t: Target) => `http://127.0.0.1:${t.port}/v1/chat/completions`;
        // Warm-up: JIT, connection pools (Portkey runs about twice as slow for its first seconds).
        for (const [i, t] of targets.entries())
          await wrk(url(t), scripts[i] as string, t.name.startsWith('Portkey') ? 4 : 2);
        const runs = targets.map(() => [] as WrkResult[]);
        for (let round = 0; round < 2; round++) {
          for (const [i, t] of targets.entries()) runs[i]?.push(await wrk(url(t), scripts[i] as string, seconds));
        }
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const haproxyRps = mean((runs[2] ?? []).map((r) => r.rps));
        console.log(
          `${variant.name} chat completions, wrk 1 thread 16 connections, 2 alternating runs of ${seconds} s per target, same nginx backend`,
        );
        console.log(
          `  ${'target'.padEnd(22)} ${'req/s (runs)'.padEnd(18)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)}  ratio to haproxy  errors`,
        );
        for (const [i, t] of targets.entries()) {
          const r = runs[i] ?? [];
          const rps = r.map((x) => fmt(x.rps, 0)).join(', ');
          console.log(
            `  ${t.name.padEnd(22)} ${rps.padEnd(18)} ${fmt(mean(r.map((x) => x.p50)), 2).padStart(7)} ${fmt(mean(r.map((x) => x.p99)), 2).padStart(7)}  ${fmt(mean(r.map((x) => x.rps)) / haproxyRps, 2).padStart(16)}  ${r.reduce((n, x) => n + x.errors, 0)}`,
          );
        }
      } finally {
        for (const stop of stops.reverse()) await stop();
      }
    }
    console.log(
      '  (bare Node proxy: node:http + undici passing bytes through, no parsing, routing, metrics or logs: the Node ceiling here)',
    );
  } finally {
    gateway.stop();
  }
}

// ---------------------------------------------------------------- 4. soak

async function soak(gen: Load, router: BenchChild<{ port: number }>): Promise<void> {
  const seconds = env('SOAK_SECONDS', 10);
  const rate = env('SOAK_RATE', 200);
  const every = Math.min(60, seconds);
  const mb = (n: number) => fmt(n / 1024 / 1024, 1);
  const memory = () => router.ask<NodeJS.MemoryUsage>('memory');
  const line = (t: number, m: NodeJS.MemoryUsage) =>
    `  t=${String(t).padStart(4)} s  heap ${mb(m.heapUsed)} MB  rss ${mb(m.rss)} MB`;
  console.log(`soak: ${seconds} s at ${rate} req/s open loop, router process memory after a full GC`);
  console.log(line(0, await memory()));
  let sent = 0;
  let errors = 0;
  const lat: number[] = [];
  for (let t = every; t <= seconds; t += every) {
    const r = await load(gen, { origin: `http://127.0.0.1:${router.ready.port}`, rate, count: rate * every });
    sent += r.latencies.length;
    errors += r.errors;
    lat.push(...r.latencies);
    console.log(line(t, await memory()));
  }
  const s = summary(lat);
  console.log(
    `  ${sent} answered, ${errors} errors; latency p50 ${fmt(s.p50, 3)} p99 ${fmt(s.p99, 3)} max ${fmt(s.max, 3)} ms`,
  );
}

// ---------------------------------------------------------------- wiring

export async function run(): Promise<void> {
  const parts = new Set((process.env['BENCH_PARTS'] ?? 'decision,latency,peers,soak').split(','));
  if (parts.has('decision')) decisionCost();
  if (![...parts].some((p) => p !== 'decision')) return;
  // Fails here, naming what is missing, rather than after minutes of other parts.
  await requirePeerTools();
  const backend = await nginxBackend(ANSWER, VLLM_METRICS);
  const backendUrl = `http://127.0.0.1:${backend.port}`;
  // The router logs one line per request at info, as shipped; to a file, as a pod's log would be written.
  const logFile = join(mkdtempSync(join(tmpdir(), 'router-bench-')), 'router.log');
  const log = openSync(logFile, 'w');
  const router = await forkChild<{ port: number }>(new URL('./router/router-process.js', import.meta.url), {
    env: { BACKEND_URL: backendUrl },
    execArgv: ['--expose-gc'],
    stderr: log,
  });
  const gen = await forkChild<'ready'>(new URL('./router/load-process.js', import.meta.url));
  console.log(
    `backend: nginx return 200 (1 worker); router, backend and load generator in separate processes; router log level ${process.env['ROUTER_LOG_LEVEL'] ?? 'info'} to ${logFile}`,
  );
  try {
    if (parts.has('latency'))
      await addedLatency(gen, backendUrl, `http://127.0.0.1:${router.ready.port}`, () => router.ask('loop-delay'));
    if (parts.has('peers')) await peerComparison(log);
    if (parts.has('soak')) await soak(gen, router);
  } finally {
    await gen.stop();
    await router.stop();
    await backend.stop();
    closeSync(log);
  }
}
