import type { StoreEvent } from './store.js';

/**
 * The last N store events, which watches replay from a resourceVersion. Older history is forgotten, as etcd
 * compaction does; a watch from before the kept window must get 410 Expired.
 */
export class EventLog {
  private events: StoreEvent[] = [];
  /** Watches from a resourceVersion below this cannot be served. */
  private compactedThrough = 0;

  constructor(private readonly capacity: number) {}

  append(event: StoreEvent): void {
    this.events.push(event);
    // Trim in batches so appends stay amortised O(1).
    if (this.events.length > this.capacity * 2) this.trimTo(this.capacity);
  }

  /** Forgets all history up to the given (current) resourceVersion. */
  compact(currentResourceVersion: number): void {
    this.events = [];
    this.compactedThrough = currentResourceVersion;
  }

  /** Events after `resourceVersion`, or 'expired' when some of them were forgotten. */
  since(resourceVersion: number): StoreEvent[] | 'expired' {
    this.trimTo(this.capacity);
    if (resourceVersion < this.compactedThrough) return 'expired';
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.events[mid]?.resourceVersion ?? 0) <= resourceVersion) low = mid + 1;
      else high = mid;
    }
    return this.events.slice(low);
  }

  /** Oldest resourceVersion a watch may still start from. */
  oldestServable(): number {
    return this.compactedThrough;
  }

  private trimTo(size: number): void {
    if (this.events.length <= size) return;
    const dropped = this.events.splice(0, this.events.length - size);
    const last = dropped[dropped.length - 1];
    if (last) this.compactedThrough = last.resourceVersion;
  }
}
