import { recordOutcome } from '../accounting/record-outcome.js';
import type { CompiledPolicy } from '../decide/compile-policy.js';
import type { Routed } from '../decide/routed.js';
import type { PodRecord } from '../pods/endpoint.js';
import type { AttemptFailure } from '../forward/send-attempt.js';
import type { Usage } from '../forward/sse.js';
import type { ServeContext } from './serve-context.js';

/** One request as it ended: what the metrics and the request log line record. */
export interface Served {
  requestId: string;
  /** Front end and API, for the log (chat, completion, grpc, ext_proc …). */
  api: string;
  /** The request's policy snapshot; undefined when none was loaded. */
  policy: CompiledPolicy | undefined;
  routed?: Routed;
  /** HTTP-style code, also for other protocols (see protocol/http-status.ts; 499 when the client left). */
  code: number;
  startedAt: number;
  firstByteAt?: number;
  endedAt: number;
  usage?: Usage;
}

/**
 * Accounts one finished request: modeswitch_* metrics and one log line (no prompt text, no secrets). Never throws:
 * accounting runs after the answer, and a fault in it must neither fail the request nor reach the process.
 */
export function recordServed(ctx: ServeContext, s: Served): void {
  try {
    account(ctx, s);
  } catch (err) {
    ctx.metrics.faults.inc({ where: 'accounting' });
    ctx.logger.error('accounting a request failed', {
      requestId: s.requestId,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

function account(ctx: ServeContext, s: Served): void {
  recordOutcome(ctx.metrics, {
    routed: s.routed,
    policy: s.policy?.name ?? 'none',
    code: s.code,
    startedAt: s.startedAt,
    firstByteAt: s.firstByteAt,
    endedAt: s.endedAt,
    usage: s.usage,
  });
  if (s.policy) learnFrom(ctx, s.policy.name, s);
  const d = s.routed?.decision;
  // Checked first: building the log entry costs more than routing when the level filters it out anyway.
  if (ctx.logger.isInfoEnabled())
    ctx.logger.info('request', {
      requestId: s.requestId,
      api: s.api,
      code: s.code,
      mode: d?.mode,
      rule: d?.rule,
      fallbacks: d?.fallbacks.length,
      ms: s.endedAt - s.startedAt,
    });
}

/**
 * Refits the serving mode's model from a streamed answer that succeeded: a whole (non-streamed) answer's first byte is
 * its last, so it shows neither its first-token wait nor its inter-token time.
 */
function learnFrom(ctx: ServeContext, policy: string, s: Served): void {
  const d = s.routed?.decision;
  if (
    s.code !== 200 ||
    !d?.mode ||
    d.batch === undefined ||
    !s.routed?.features.stream ||
    s.firstByteAt === undefined ||
    !s.usage
  )
    return;
  const fed = ctx.core.models.observeAnswer({
    mode: d.mode,
    batch: d.batch,
    promptTokens: s.usage.promptTokens,
    outputTokens: s.usage.completionTokens,
    startedAtMs: s.startedAt,
    firstByteAtMs: s.firstByteAt,
    endedAtMs: s.endedAt,
  });
  for (const signal of fed) ctx.metrics.modelSamples.inc({ policy, mode: d.mode, signal });
}

/**
 * Feeds one attempt's outcome at a pod into its health (passive outlier ejection), for a front end whose gateway
 * forwarded the request: `failure` undefined for an answer that started.
 */
export function reportAttempt(ctx: ServeContext, pod: PodRecord, failure?: AttemptFailure): void {
  if (failure === undefined) ctx.health.succeeded(pod);
  else ctx.health.failed(pod, failure);
}
