import type { Routed } from '../decide/routed.js';
import type { Usage } from '../forward/sse.js';
import type { RouterError } from '../protocol/router-error.js';

/** The engine accepted the request: what a front end needs to start its answer. */
export interface AnswerHead {
  routed: Routed;
  requestId: string;
  /** The engine answer's content type. */
  contentType: string;
  /** Server-sent events follow (events(), then finish()); otherwise finish() brings the whole body. */
  streamed: boolean;
}

/** One server-sent event of a streamed answer: its text as the engine sent it, and its parsed data line. */
export interface AnswerEvent {
  readonly raw: string;
  /** The JSON of its data line (parsed when first read); 'done' for `[DONE]`; undefined for comments and unparsable data. */
  readonly data: Record<string, unknown> | 'done' | undefined;
}

export interface AnswerEnd {
  /** The whole answer of a non-streamed request, as the engine sent it. */
  body?: Buffer;
  usage?: Usage;
}

/**
 * How the request path hands an answer to a front end, which translates it into its protocol. The path calls
 * start() once, then (streamed) events() any number of times, then finish(); or fail() at any point, also after
 * start() when the stream broke. A sink never sees internal addresses unless the router exposes them.
 */
export interface GenerationSink {
  start(head: AnswerHead): void;
  /**
   * Passes the events of one engine chunk (never empty). Returns false when the client cannot take more now: the
   * path then awaits drained() before it reads on from the engine, so a slow client slows the engine's socket
   * instead of growing the router's memory.
   */
  events(events: readonly AnswerEvent[]): boolean;
  /** Resolves once the client can take more, or has gone. */
  drained(): Promise<void>;
  finish(end: AnswerEnd): void;
  /** Not called when the client went away (there is no one to tell). */
  fail(error: RouterError): void;
}
