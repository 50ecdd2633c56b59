/**
 * Open-loop load generator in its own process: requests leave at a fixed rate whatever the answers do (as real
 * clients do), a bounded count per run. Sends 'ready'; answers each LoadRun with a LoadResult.
 */
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { REQUEST_BODY } from './fixtures.js';
import { openLoop, type OpenLoopResult } from './open-loop.js';

export interface LoadRun {
  origin: string;
  rate: number;
  count: number;
}

/** Latencies: milliseconds from send to the last byte of each answered request. */
export type LoadResult = OpenLoopResult;

const pools = new Map<string, Pool>();
const poolOf = (origin: string) =>
  pools.get(origin) ??
  (pools.set(origin, new Pool(origin, { connections: 128, keepAliveTimeout: 60_000 })).get(origin) as Pool);

const OPTIONS: Dispatcher.RequestOptions = {
  path: '/v1/completions',
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: REQUEST_BODY,
};

function run({ origin, rate, count }: LoadRun): Promise<LoadResult> {
  const pool = poolOf(origin);
  return openLoop(rate, count, () => {
    const t0 = performance.now();
    return pool.request(OPTIONS).then(
      async (res) => {
        await res.body.dump();
        return res.statusCode === 200 ? performance.now() - t0 : undefined;
      },
      () => undefined,
    );
  });
}

process.on('message', (m) => void run(m as LoadRun).then((r) => process.send?.(r)));
process.on('disconnect', () => process.exit(0));
process.send?.('ready');
