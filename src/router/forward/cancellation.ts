import { EventEmitter } from 'node:events';

/**
 * Cancels an engine request: its client left, its pod was found dead, or its first byte is late. undici takes an
 * EventEmitter with `aborted` as a signal; on Node 20 an AbortController with its listener costs about 4 µs per
 * request, this about 0.2 µs.
 */
export class Cancellation extends EventEmitter {
  aborted = false;
  /** Why it was aborted (the first reason given). */
  reason: string | undefined;

  abort(reason = 'cancelled'): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}
