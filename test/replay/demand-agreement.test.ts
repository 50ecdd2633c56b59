/**
 * One demand, two paths: the same finished requests counted by the router's real metrics (createRouterMetrics and
 * recordOutcome, read back as /metrics text by the operator's routerMetricsDemand) and by the fleet replay's
 * DemandWindow (from the simulated engines' results) give the capacity planner the same demand at every step.
 */
import type { ModeDemand } from '../../src/capacity/planner.js';
import { routerMetricsDemand } from '../../src/capacity/router-demand.js';
import { recordOutcome } from '../../src/router/accounting/record-outcome.js';
import { createRouterMetrics } from '../../src/router/accounting/router-metrics.js';
import type { Routed } from '../../src/router/decide/routed.js';
import { DemandWindow } from '../../src/replay/scaling/demand-window.js';
import type { RequestResult } from '../../src/sim/engine/core-types.js';

const POLICY = 'llm/llama';
const STEP_SECONDS = 15;

/** One request as it finished: where it went, what it asked for and what the engine generated. */
interface Finished {
  id: number;
  arrival: number;
  mode: string;
  wanted?: string;
  promptTokens: number;
  /** max_tokens: an upper bound the engine stops well short of (its EOS), never what is counted. */
  maxTokens: number;
  generated: number;
  ttft: number;
  end: number;
}

/** Two minutes of traffic: fp8 serves everything, one request in four was meant for spec (cold). */
function stream(): Finished[] {
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const out: Finished[] = [];
  for (let id = 0; id < 400; id += 1) {
    const arrival = id * 0.3;
    const generated = 10 + Math.floor(next() * 300);
    const ttft = [0.07, 0.3, 0.8, 3][Math.floor(next() * 4)] as number;
    out.push({
      id,
      arrival,
      mode: 'fp8',
      ...(id % 4 === 0 ? { wanted: 'spec' } : {}),
      promptTokens: 100 + Math.floor(next() * 2000),
      maxTokens: 512,
      generated,
      ttft,
      end: arrival + ttft + generated * 0.01,
    });
  }
  return out;
}

function routedTo(r: Finished): Routed {
  const decision = {
    policy: POLICY,
    policyVersion: '1/1',
    rule: 'default',
    requestedMode: r.wanted ?? r.mode,
    mode: r.mode,
    fallbacks: [],
    ...(r.wanted ? { wanted: r.wanted } : {}),
  };
  return { decision } as unknown as Routed;
}

function resultOf(r: Finished): RequestResult {
  return {
    id: String(r.id),
    promptTokens: r.promptTokens,
    cachedPromptTokens: 0,
    outputTokens: r.generated,
    finishReason: 'stop',
    arrivalTime: r.arrival,
    scheduledTime: r.arrival,
    firstTokenTime: r.arrival + r.ttft,
    finishTime: r.end,
    energyJoules: 1,
    preemptions: 0,
  };
}

describe('the demand the operator reads from the routers and the one the replay counts', () => {
  it('agree at every planning step on the same requests: rates, wanted, mean lengths of generated tokens, p95 TTFT', async () => {
    const inFlight = new Map([
      ['fp8', 3],
      ['spec', 1],
    ]);
    const router = createRouterMetrics({
      policy: () => POLICY,
      modeStates: () =>
        new Map([...inFlight].map(([mode, n]) => [mode, { queueDepth: 1n, running: BigInt(n - 1) }] as const)),
      telemetryAge: () => undefined,
    });
    const operator = routerMetricsDemand(() => router.registry.metrics());
    const replay = new DemandWindow();
    const requests = stream().sort((a, b) => a.end - b.end);
    const last = Math.ceil(requests.at(-1)!.end / STEP_SECONDS) * STEP_SECONDS + 90;
    let i = 0;
    const seen: { t: number; fp8: ModeDemand; spec: ModeDemand }[] = [];
    for (let t = 0; t <= last; t += STEP_SECONDS) {
      for (; i < requests.length && requests[i]!.end <= t; i += 1) {
        const r = requests[i]!;
        recordOutcome(router, {
          routed: routedTo(r),
          policy: POLICY,
          code: 200,
          startedAt: r.arrival * 1000,
          firstByteAt: (r.arrival + r.ttft) * 1000,
          endedAt: r.end * 1000,
          usage: { promptTokens: r.promptTokens, completionTokens: r.generated },
        });
        replay.finished(r.mode, r.wanted, r.arrival, resultOf(r));
      }
      const fromRouter = await operator.demand(POLICY, [{ pod: 'router-0', url: 'http://router-0/metrics' }], t);
      const fromReplay = replay.read(t, inFlight);
      for (const mode of ['fp8', 'spec']) expect(fromRouter.get(mode)?.demand).toEqual(fromReplay.get(mode));
      seen.push({ t, fp8: fromReplay.get('fp8')!, spec: fromReplay.get('spec')! });
    }
    // Not an agreement on nothing: both saw the traffic, the wanted demand, the bursts and the slow first tokens.
    const busy = seen.find((s) => s.t === 60)!;
    expect(busy.fp8.requestsPerSecond).toBeGreaterThan(2);
    expect(busy.spec.wantedPerSecond).toBeGreaterThan(0.5);
    expect(busy.fp8.recent?.requestsPerSecond).toBeGreaterThan(3);
    expect(busy.fp8.observedTtft?.p95Seconds).toBeGreaterThan(2.5);
    // The output tokens are those the engines generated (about 160 on average here), not max_tokens (512).
    expect(busy.fp8.meanOutputTokens).toBeGreaterThan(100);
    expect(busy.fp8.meanOutputTokens).toBeLessThan(220);
    expect(seen.at(-1)!.fp8).toMatchObject({ requestsPerSecond: 0, inFlight: 3 });
  });
});
