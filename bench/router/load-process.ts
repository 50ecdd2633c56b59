/**
 * Open-loop load generator in its own process: requests leave at a fixed rate whatever the answers do (as real
 * clients do), a bounded count per run. Sends 'ready'; answers each LoadRun with a LoadResult.
 */
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { REQUEST_BODY } from './fixtures.js';

export interface LoadRun {
  origin: string;
  rate: number;
  count: number;
}

export interface LoadResult {
  /** Milliseconds from send to the last byte of each answered request. */
  latencies: number[];
  errors: number;
  /** How late the generator sent its most delayed request (ms): large values mean the generator itself lagged. */
  maxSendLagMs: number;
}

const pools = new Map<string, Pool>();
const poolOf = (origin: string) => pools.get(origin) ?? pools.set(origin, new Pool(origin, { connections: 128, keepAliveTimeout: 60_000 })).get(origin) as Pool;

const OPTIONS: Dispatcher.RequestOptions = { path: '/v1/completions', method: 'POST', headers: { 'content-type': 'application/json' }, body: REQUEST_BODY };

async function run({ origin, rate, count }: LoadRun): Promise<LoadResult> {
  const pool = poolOf(origin);
  const latencies: number[] = [];
  let errors = 0;
  let maxSendLagMs = 0;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    maxSendLagMs = Math.max(maxSendLagMs, t0 - due);
    inflight.push(
      pool.request(OPTIONS).then(
        async (res) => {
          await res.body.dump();
          if (res.statusCode === 200) latencies.push(performance.now() - t0);
          else errors++;
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(inflight);
  return { latencies, errors, maxSendLagMs };
}

process.on('message', (m) => void run(m as LoadRun).then((r) => process.send?.(r)));
process.on('disconnect', () => process.exit(0));
process.send?.('ready');
