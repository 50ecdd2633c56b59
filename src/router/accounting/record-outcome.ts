import type { Routed } from '../decide/routed.js';
import type { Usage } from '../forward/sse.js';
import { TOKEN_KIND } from '../../metrics/router-contract.js';
import type { RouterMetrics } from './router-metrics.js';

export interface Outcome {
  /** The routing that served (or failed) the request; absent when it was refused before routing. */
  routed?: Routed;
  policy: string;
  /** HTTP status, also for gRPC (OK 200, INVALID_ARGUMENT 400, CANCELLED 499, UNAVAILABLE 503, broken stream 502). */
  code: number;
  startedAt: number;
  firstByteAt?: number;
  endedAt: number;
  usage?: Usage;
}

/** Counts one finished request in the modeswitch_* metrics (times in ms). */
export function recordOutcome(m: RouterMetrics, o: Outcome): void {
  const d = o.routed?.decision;
  const policy = o.policy;
  const mode = d?.mode ?? 'none';
  m.requests.inc({ policy, mode, rule: d?.rule ?? 'none', code: String(o.code) });
  if (!d) return;
  m.ruleHits.inc({ policy, rule: d.rule });
  if (d.wanted !== undefined) m.wanted.inc({ policy, mode: d.wanted });
  for (const f of d.fallbacks) m.fallbacks.inc({ policy, from: f.from, to: f.to || 'none', reason: f.reason });
  if (!d.mode) return;
  m.duration.observe({ policy, mode }, (o.endedAt - o.startedAt) / 1000);
  if (o.firstByteAt !== undefined) m.ttft.observe({ policy, mode }, (o.firstByteAt - o.startedAt) / 1000);
  if (o.usage) {
    m.tokens.inc({ policy, mode, kind: TOKEN_KIND.prompt }, o.usage.promptTokens);
    m.tokens.inc({ policy, mode, kind: TOKEN_KIND.output }, o.usage.completionTokens);
  }
}
