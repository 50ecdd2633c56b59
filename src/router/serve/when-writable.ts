import type { EventEmitter } from 'node:events';

/**
 * Resolves once a front end's writable stream can take more ('drain') or never will (any of `endEvents`): what a
 * sink's drained() awaits. `ended`: it already cannot, and those events will not fire again.
 */
export function whenWritable(stream: EventEmitter, ended: boolean, endEvents: readonly string[]): Promise<void> {
  if (ended) return Promise.resolve();
  return new Promise((resolve) => {
    const events = ['drain', ...endEvents];
    const done = () => {
      for (const e of events) stream.off(e, done);
      resolve();
    };
    for (const e of events) stream.on(e, done);
  });
}
