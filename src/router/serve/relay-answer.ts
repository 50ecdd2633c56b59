import type { NormalizedRequest } from '../classify/normalized-request.js';
import type { Cancellation } from '../forward/cancellation.js';
import { eventData, isUsageOnlyChunk, SseSplitter, usageOf } from '../forward/sse.js';
import type { Usage } from '../forward/sse.js';
import { usageOfAnswer } from '../forward/usage-of-answer.js';
import { RouterError } from '../protocol/router-error.js';
import type { AnswerEvent, GenerationSink } from './generation-sink.js';
import type { OpenAnswer } from './open-with-retries.js';
import type { ServeContext } from './serve-context.js';

export interface Relayed {
  firstByteAt?: number;
  usage?: Usage;
}

async function readAll(open: OpenAnswer): Promise<Buffer> {
  const { first, rest } = open.answer;
  const chunks = [first];
  for (let c = await rest.next(); !c.done; c = await rest.next()) chunks.push(c.value);
  return chunks.length === 1 ? first : Buffer.concat(chunks);
}

/** An event whose data line is parsed only when read: a front end that passes bytes on never pays for it. */
class SseEvent implements AnswerEvent {
  private parsed: AnswerEvent['data'] | null = null;
  constructor(readonly raw: string) {}

  get data(): AnswerEvent['data'] {
    if (this.parsed === null) this.parsed = eventData(this.raw);
    return this.parsed;
  }
}

/**
 * Events a client may see: the usage chunk the router asked for itself is hidden unless the client asked too. Only
 * an event naming `"prompt_tokens"` can carry usage (inside a JSON string those quotes would be escaped), so no
 * other event is parsed here.
 */
function eventsOf(texts: string[], req: NormalizedRequest, relayed: Relayed): AnswerEvent[] {
  const events: AnswerEvent[] = [];
  for (const raw of texts) {
    const event = new SseEvent(raw);
    if (raw.includes('"prompt_tokens"')) {
      const data = event.data;
      if (data && data !== 'done') {
        const usage = usageOf(data);
        if (usage) relayed.usage = usage;
        if (!req.includeUsage && isUsageOnlyChunk(data)) continue;
      }
    }
    events.push(event);
  }
  return events;
}

/**
 * Hands an engine answer that has started to the front end's sink: whole, or event by event at the pace the client
 * reads. An engine refusal (4xx) becomes the 'engine_refused' error carrying the engine's own answer.
 */
export async function relayAnswer(
  ctx: ServeContext,
  req: NormalizedRequest,
  open: OpenAnswer,
  requestId: string,
  sink: GenerationSink,
  client: Cancellation,
  relayed: Relayed,
): Promise<void> {
  const { routed, answer } = open;
  if (answer.statusCode !== 200) {
    const body = await readAll(open);
    throw new RouterError(
      'engine_refused',
      `the engine refused the request (${answer.statusCode}): ${body.toString('utf8').slice(0, 500)}`,
      {
        routed,
        refusal: { status: answer.statusCode, contentType: answer.contentType, body },
      },
    );
  }
  relayed.firstByteAt = ctx.now();
  sink.start({ routed, requestId, contentType: answer.contentType, streamed: req.stream });
  if (!req.stream) {
    relayed.usage = usageOfAnswer(answer.first);
    // Only completions of one text calibrate the estimate: a chat prompt's count includes the chat template's tokens,
    // which would drift the chars-per-token ratio down and inflate every long-prompt estimate.
    if (
      relayed.usage &&
      req.kind === 'completion' &&
      req.promptTokens === undefined &&
      typeof req.body['prompt'] === 'string'
    )
      ctx.core.tokens.observe(req.text.length, relayed.usage.promptTokens);
    sink.finish({ body: answer.first, usage: relayed.usage });
    return;
  }
  const splitter = new SseSplitter();
  const pass = async (chunk: Buffer) => {
    const events = eventsOf(splitter.push(chunk), req, relayed);
    // A slow reader makes the router stop pulling from the engine (TCP pushes back to it) instead of buffering the
    // whole answer in router memory.
    if (events.length > 0 && !sink.events(events)) await sink.drained();
  };
  try {
    await pass(answer.first);
    for (let c = await answer.rest.next(); !c.done; c = await answer.rest.next()) await pass(c.value);
  } catch (err) {
    if (client.aborted) throw new RouterError('cancelled', 'the client went away', { routed });
    ctx.logger.warn('engine stream broke after the answer started', {
      requestId,
      mode: routed.decision.mode,
      error: (err as Error).message,
    });
    throw new RouterError('upstream_failed', 'the engine stream broke after the answer started', { routed });
  }
  const tail = splitter.flush();
  if (tail) {
    const events = eventsOf([tail], req, relayed);
    if (events.length > 0) sink.events(events);
  }
  sink.finish({ usage: relayed.usage });
}
