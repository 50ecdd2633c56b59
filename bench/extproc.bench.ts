/**
 * Endpoint Picker benchmark: the wait a gateway has for the router's decision over ext_proc, side by side with the
 * latency the router's own HTTP front adds, at the same open-loop rate against the same router process.
 *
 * Roles in their own processes, as deployed: the backend (bench/router/backend-process.ts), the router
 * (bench/router/router-process.ts, log level info as shipped, serving HTTP and ext_proc), an HTTP load generator
 * (bench/router/load-process.ts) and a gateway-like ext_proc load generator (bench/extproc/gateway-load-process.ts).
 * Sides alternate in short segments so drift in the machine's load hits all alike.
 *
 * Knobs (environment): BENCH_RATE (req/s, default 500), EXTPROC_SECONDS (seconds per side, default 10).
 */
import { openSync } from 'node:fs';
import { forkChild } from './router/child.js';
import type { BenchChild } from './router/child.js';
import type { LoadResult, LoadRun } from './router/load-process.js';
import { fmt, summarize, type Summary } from './router/stats.js';
import type { GatewayLoadResult, GatewayLoadRun } from './extproc/gateway-load-process.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const row = (name: string, s: Summary) =>
  `  ${name.padEnd(38)} p50 ${fmt(s.p50, 3)}  p90 ${fmt(s.p90, 3)}  p99 ${fmt(s.p99, 3)}  max ${fmt(s.max, 3)}`;

export async function run(): Promise<void> {
  const rate = env('BENCH_RATE', 500);
  const seconds = env('EXTPROC_SECONDS', 10);
  const segment = 2;
  const devNull = openSync('/dev/null', 'w');
  const backend = await forkChild<{ port: number }>(new URL('./router/backend-process.js', import.meta.url));
  const backendUrl = `http://127.0.0.1:${backend.ready.port}`;
  const router = await forkChild<{ port: number; extProcPort: number }>(
    new URL('./router/router-process.js', import.meta.url),
    { env: { BACKEND_URL: backendUrl }, stderr: devNull },
  );
  const http: BenchChild<'ready'> = await forkChild(new URL('./router/load-process.js', import.meta.url));
  const gateway: BenchChild<'ready'> = await forkChild(new URL('./extproc/gateway-load-process.js', import.meta.url));
  const routerUrl = `http://127.0.0.1:${router.ready.port}`;
  const target = `127.0.0.1:${router.ready.extProcPort}`;
  const sides = [
    {
      name: 'HTTP: backend directly',
      go: (count: number) => http.ask<LoadResult>({ origin: backendUrl, rate, count } satisfies LoadRun),
      samples: [] as number[],
    },
    {
      name: 'HTTP: through the router',
      go: (count: number) => http.ask<LoadResult>({ origin: routerUrl, rate, count } satisfies LoadRun),
      samples: [] as number[],
    },
    {
      name: 'ext_proc: body in → destination out',
      go: (count: number) => gateway.ask<GatewayLoadResult>({ target, rate, count } satisfies GatewayLoadRun),
      samples: [] as number[],
    },
  ];
  try {
    // Warm-up: JIT, connection pools, the gRPC channel.
    for (const side of sides) await side.go(rate);
    await router.ask('loop-delay');
    let errors = 0;
    let lag = 0;
    for (let s = 0; s < Math.ceil(seconds / segment); s++) {
      // Rotate which side goes first so a slow moment of the machine is shared fairly.
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(s + k) % sides.length] as (typeof sides)[number];
        const r = await side.go(rate * segment);
        side.samples.push(...r.latencies);
        errors += r.errors;
        lag = Math.max(lag, r.maxSendLagMs);
      }
    }
    const [direct, routed, extProc] = sides.map((side) => summarize(side.samples)) as [Summary, Summary, Summary];
    console.log(
      `Endpoint Picker vs HTTP front, ${rate} req/s open loop, alternating ${segment} s segments, ${direct.n} + ${routed.n} + ${extProc.n} requests (ms)`,
    );
    console.log(row('ext_proc: body in → destination out', extProc));
    console.log(
      `    (the gateway's whole wait for the pick: gRPC hop, parse, classify, decide, fallback list; goal p99 ≤ 1)`,
    );
    console.log(row('HTTP: backend directly', direct));
    console.log(row('HTTP: through the router', routed));
    console.log(
      `  ${'HTTP front added'.padEnd(38)} p50 ${fmt(routed.p50 - direct.p50, 3)}  p90 ${fmt(routed.p90 - direct.p90, 3)}  p99 ${fmt(routed.p99 - direct.p99, 3)}`,
    );
    const delay = await router.ask<{ p50: number; p99: number; max: number }>('loop-delay');
    console.log(
      `  errors ${errors}; load generators' worst send lag ${fmt(lag, 2)} ms; router event-loop delay p50 ${fmt(delay.p50, 2)} p99 ${fmt(delay.p99, 2)} max ${fmt(delay.max, 2)} ms`,
    );
  } finally {
    await Promise.all([gateway.stop(), http.stop(), router.stop(), backend.stop()]);
  }
}
