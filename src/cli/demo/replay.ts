import { Agent } from 'undici';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';
import { sendChat, type SentRequest } from './send-request.js';

export interface ReplayProgress {
  sent: number;
  done: number;
  total: number;
  failed: number;
  byMode: ReadonlyMap<string, number>;
}

export interface RouterReplayOptions {
  url: string;
  model: string;
  requests: readonly WorkloadRequest[];
  /** Simulated seconds per wall second: arrivals are sent this much faster than the trace. */
  speedup: number;
  onProgress?: (p: ReplayProgress) => void;
  progressEveryMs?: number;
}

/**
 * Sends every request at its trace arrival time (divided by the speed-up) over real HTTP, every other one streamed,
 * and resolves when all have answered. Bounded: one timer per request, no retries.
 */
export async function replayThroughRouter(o: RouterReplayOptions): Promise<SentRequest[]> {
  const dispatcher = new Agent({ connections: 512, keepAliveTimeout: 10_000 });
  const start = performance.now();
  const nowMs = () => performance.now() - start;
  const results: SentRequest[] = [];
  const byMode = new Map<string, number>();
  let sent = 0;
  const progress = () =>
    o.onProgress?.({
      sent,
      done: results.length,
      total: o.requests.length,
      failed: results.filter((r) => r.status !== 200).length,
      byMode,
    });
  const ticker = setInterval(progress, o.progressEveryMs ?? 1000);
  try {
    await Promise.all(
      o.requests.map(
        (r, i) =>
          new Promise<void>((resolve) => {
            setTimeout(
              () => {
                sent += 1;
                void sendChat(r, i % 2 === 0, { url: o.url, model: o.model, dispatcher, nowMs }).then((res) => {
                  results.push(res);
                  if (res.mode) byMode.set(res.mode, (byMode.get(res.mode) ?? 0) + 1);
                  resolve();
                });
              },
              (r.arrivalSeconds * 1000) / o.speedup,
            );
          }),
      ),
    );
  } finally {
    clearInterval(ticker);
    await dispatcher.close();
  }
  progress();
  return results.sort((a, b) => a.request.id - b.request.id);
}
