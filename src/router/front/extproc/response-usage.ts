import { eventData, isUsageOnlyChunk, SseSplitter, usageOf, type Usage } from '../../forward/sse.js';
import { usageOfAnswer } from '../../forward/usage-of-answer.js';

/**
 * Of a non-streamed answer only its last bytes are kept to read its usage, which the engines put last: a stream that
 * lasts minutes must not hold a whole answer in router memory.
 */
const KEPT_ANSWER_TAIL = 64 * 1024;

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * Reads token usage from an engine's answer as it passes through the gateway, chunk by chunk: the usage chunk of a
 * stream (server-sent events) or the `usage` object of a JSON answer. When the router itself asked the engine for
 * the usage chunk, that chunk is removed again, so the client gets the stream it asked for.
 */
export class ResponseUsage {
  usage: Usage | undefined;
  private readonly splitter: SseSplitter | undefined;
  private kept: Uint8Array[] = [];
  private keptBytes = 0;

  constructor(
    contentType: string,
    private readonly hideUsageChunk: boolean,
  ) {
    this.splitter = contentType.startsWith('text/event-stream') ? new SseSplitter() : undefined;
  }

  /** The bytes to pass on for this chunk (whole events only while usage chunks are being removed). */
  push(chunk: Uint8Array): Uint8Array {
    if (!this.splitter) {
      this.keep(chunk);
      return chunk;
    }
    const events = this.splitter.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const passed = this.readEvents(events);
    return this.hideUsageChunk ? passed : chunk;
  }

  /** The bytes still held back when the answer ends; usage is final after this. */
  end(): Uint8Array {
    if (!this.splitter) {
      if (this.kept.length > 0) this.usage = usageOfAnswer(Buffer.concat(this.kept));
      this.kept = [];
      return EMPTY;
    }
    const rest = this.splitter.flush();
    const passed = rest === '' ? EMPTY : this.readEvents([rest]);
    return this.hideUsageChunk ? passed : EMPTY;
  }

  private readEvents(events: string[]): Uint8Array {
    let passed = '';
    for (const event of events) {
      const data = eventData(event);
      if (data && data !== 'done') {
        this.usage = usageOf(data) ?? this.usage;
        if (this.hideUsageChunk && isUsageOnlyChunk(data)) continue;
      }
      passed += event;
    }
    return passed === '' ? EMPTY : encoder.encode(passed);
  }

  private keep(chunk: Uint8Array): void {
    // A copy of a long chunk's tail: a view would keep the whole chunk alive.
    if (chunk.length > KEPT_ANSWER_TAIL) chunk = chunk.slice(chunk.length - KEPT_ANSWER_TAIL);
    this.kept.push(chunk);
    this.keptBytes += chunk.length;
    while (this.kept.length > 1 && this.keptBytes - (this.kept[0] as Uint8Array).length >= KEPT_ANSWER_TAIL)
      this.keptBytes -= (this.kept.shift() as Uint8Array).length;
  }
}
