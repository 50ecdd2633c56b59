import type { Metadata } from '@grpc/grpc-js';
import type { GenerateRequest } from '../../../gen/modeswitch/v1/router_pb.js';
import { HINT_HEADERS, parseHints, parsePriority } from '../../classify/hints.js';
import type { NormalizedRequest } from '../../classify/normalized-request.js';
import { checkModel, checkPositiveInteger, checkRole, samplingOf } from '../../protocol/request-fields.js';
import { invalidRequest } from '../../protocol/router-error.js';

function meta(md: Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  return v === undefined ? undefined : String(v);
}

/** The call's `authorization` metadata (a client's API key, src/router/auth). */
export function authorizationOf(md: Metadata): string | undefined {
  return meta(md, 'authorization');
}

/** Turns a GenerateRequest into the engine's OpenAI body, checked as the HTTP front checks it; metadata hints win over message fields. */
export function normalizeGrpcRequest(r: GenerateRequest, md: Metadata, servedModel: string): NormalizedRequest {
  const hasPrompt = r.prompt !== '';
  const hasMessages = r.messages.length > 0;
  if (hasPrompt === hasMessages)
    throw invalidRequest('set exactly one of prompt and messages', hasPrompt ? 'messages' : 'prompt');
  const model = checkModel(r.model, servedModel, true);
  const maxTokens = checkPositiveInteger(r.maxTokens, 'max_tokens');
  const sampling = samplingOf(r.temperature, r.topP);
  r.messages.forEach((m, i) => checkRole(m.role, i));
  const body: Record<string, unknown> = { model, stream: true };
  if (hasMessages) body['messages'] = r.messages.map((m) => ({ role: m.role, content: m.content }));
  else body['prompt'] = r.prompt;
  if (maxTokens !== undefined) body['max_tokens'] = maxTokens;
  if (r.temperature !== undefined) body['temperature'] = r.temperature;
  if (r.topP !== undefined) body['top_p'] = r.topP;
  if (r.stop.length > 0) body['stop'] = r.stop;
  const text = hasMessages ? r.messages.map((m) => m.content).join('\n') : r.prompt;
  const lastUser = [...r.messages].reverse().find((m) => m.role === 'user');
  return {
    kind: hasMessages ? 'chat' : 'completion',
    model,
    text,
    ...(hasMessages ? { messages: r.messages.map((m) => ({ role: m.role, content: m.content })) } : {}),
    ask: lastUser?.content ?? text,
    maxTokens,
    ...sampling,
    stream: true,
    // The router asked for usage itself (Finish carries it); the chunk never reaches a gRPC client as a delta.
    includeUsage: false,
    hints: parseHints({
      type: meta(md, HINT_HEADERS.type) ?? r.hints?.type,
      difficulty: meta(md, HINT_HEADERS.difficulty) ?? r.hints?.difficulty,
      expectedOutputTokens: meta(md, HINT_HEADERS.expectedOutputTokens) ?? r.hints?.expectedOutputTokens,
      domain: meta(md, HINT_HEADERS.domain) ?? r.hints?.domain,
    }),
    tenant: meta(md, HINT_HEADERS.tenant) ?? r.tenant,
    priority: parsePriority(meta(md, HINT_HEADERS.priority) ?? r.priority),
    body,
  };
}
