import { create } from '@bufbuild/protobuf';
import type { RequestFeatures } from '../../../api/v1alpha1/rule-env.js';
import { DecisionSchema, FeaturesSchema } from '../../../gen/modeswitch/v1/router_pb.js';
import type { Decision as DecisionMessage, Features } from '../../../gen/modeswitch/v1/router_pb.js';
import { explain } from '../../decide/decide.js';
import type { Decision } from '../../decide/decide.js';

/** The decision as the API shows it; the pod only when the router exposes internals (a debugging aid). */
export function decisionMessage(d: Decision, requestId: string, exposeInternals: boolean): DecisionMessage {
  return create(DecisionSchema, {
    policy: d.policy,
    mode: d.mode ?? '',
    rule: d.rule,
    requestedMode: d.requestedMode,
    reason: explain(d, exposeInternals),
    fallbacks: d.fallbacks.map((f) => ({ fromMode: f.from, toMode: f.to, reason: f.reason, detail: f.detail })),
    pod: exposeInternals && d.pod ? (d.pod.record.pod ?? d.pod.record.url) : '',
    requestId,
    adapter: d.adapter?.upstreamModel ?? '',
  });
}

export function featuresMessage(f: RequestFeatures): Features {
  return create(FeaturesSchema, {
    ...f,
    inputTokens: Number(f.inputTokens),
    maxOutputTokens: Number(f.maxOutputTokens),
    expectedOutputTokens: Number(f.expectedOutputTokens),
    prefixTokens: Number(f.prefixTokens),
    priority: Number(f.priority),
    domain: f.domain,
  });
}
