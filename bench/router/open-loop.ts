/** Requests leave at a fixed rate whatever the answers do (as real clients send them), a bounded count per run. */
export interface OpenLoopResult {
  /** Milliseconds per answered request, as `send` measured it. */
  latencies: number[];
  errors: number;
  /** How late the generator sent its most delayed request (ms): large values mean the generator itself lagged. */
  maxSendLagMs: number;
}

/** Runs `count` sends at `rate` per second; `send` resolves with a latency, or undefined for a failed request. */
export async function openLoop(
  rate: number,
  count: number,
  send: () => Promise<number | undefined>,
): Promise<OpenLoopResult> {
  const latencies: number[] = [];
  let errors = 0;
  let maxSendLagMs = 0;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - due);
    inflight.push(send().then((ms) => void (ms === undefined ? errors++ : latencies.push(ms))));
  }
  await Promise.all(inflight);
  return { latencies, errors, maxSendLagMs };
}
