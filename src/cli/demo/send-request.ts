import { request as httpRequest, type Dispatcher } from 'undici';
import { HINT_HEADERS } from '../../router/classify/hints.js';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';
import { chatPromptFor } from '../../sim/workload/prompt.js';

/** What the client saw for one request; times are wall milliseconds from the replay's start. */
export interface SentRequest {
  request: WorkloadRequest;
  stream: boolean;
  status: number;
  mode: string;
  rule: string;
  sentMs: number;
  /** First body bytes of a streamed answer (the first token); undefined when not streamed or failed. */
  firstByteMs?: number;
  doneMs: number;
  outputTokens: number;
  error?: string;
}

export interface SendOptions {
  url: string;
  model: string;
  dispatcher: Dispatcher;
  nowMs: () => number;
}

const USAGE_RE = /"completion_tokens":\s*(\d+)/g;

/**
 * Sends one workload request to the router's OpenAI chat API: the trace's prompt length and output length
 * (max_tokens with ignore_eos), its sampling temperature, the synthesized difficulty as a client hint; the router
 * reads the type from the text.
 */
export async function sendChat(r: WorkloadRequest, stream: boolean, o: SendOptions): Promise<SentRequest> {
  const body = {
    model: o.model,
    messages: chatPromptFor(r).messages,
    max_tokens: r.outputTokens,
    temperature: r.temperature,
    ignore_eos: true,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  };
  const sentMs = o.nowMs();
  const out: SentRequest = {
    request: r,
    stream,
    status: 0,
    mode: '',
    rule: '',
    sentMs,
    doneMs: sentMs,
    outputTokens: 0,
  };
  try {
    const res = await httpRequest(`${o.url}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: o.dispatcher,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', [HINT_HEADERS.difficulty]: r.difficulty.toFixed(3) },
    });
    out.status = res.statusCode;
    out.mode = String(res.headers['x-modeswitch-mode'] ?? '');
    out.rule = String(res.headers['x-modeswitch-rule'] ?? '');
    let text = '';
    for await (const chunk of res.body) {
      if (stream && out.firstByteMs === undefined) out.firstByteMs = o.nowMs();
      text += (chunk as Buffer).toString('utf8');
    }
    out.doneMs = o.nowMs();
    const usage = [...text.matchAll(USAGE_RE)].pop();
    out.outputTokens = usage ? Number(usage[1]) : 0;
    if (res.statusCode !== 200) out.error = text.slice(0, 200);
  } catch (err) {
    out.doneMs = o.nowMs();
    out.error = (err as Error).message;
  }
  return out;
}
