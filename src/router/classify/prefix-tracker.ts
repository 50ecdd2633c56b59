export interface PrefixTrackerOptions {
  /** Prefix lengths (characters) checked, shortest first. */
  blockChars: readonly number[];
  /** A prefix counts as shared when seen within this time. */
  ttlMs: number;
  /** Bound on remembered prefixes (oldest forgotten first), so memory stays flat. */
  maxEntries: number;
}

export const DEFAULT_PREFIX_TRACKER: PrefixTrackerOptions = {
  blockChars: [256, 1024, 4096],
  ttlMs: 60_000,
  maxEntries: 2048,
};

/** Characters of a block read into its fingerprint: the first ones, then an even sample of the rest. */
const HEAD_CHARS = 32;
const SAMPLED_CHARS = 64;

/**
 * A 32-bit FNV-1a fingerprint of `text.slice(0, size)` read from at most 96 characters, so the cost does not grow
 * with the prompt (hashing whole 4 KiB prefixes cost microseconds per request). A rare collision only makes one
 * request look like it shares a prefix: a routing hint, never a correctness issue.
 */
function fingerprint(text: string, size: number): number {
  let h = 0x811c9dc5 ^ size;
  for (let i = 0; i < HEAD_CHARS; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  const stride = (size - HEAD_CHARS) / SAMPLED_CHARS;
  for (let i = 0; i < SAMPLED_CHARS; i++)
    h = Math.imul(h ^ text.charCodeAt(HEAD_CHARS + Math.floor(i * stride)), 0x01000193);
  return h >>> 0;
}

/** Remembers prompt prefixes seen recently (as fingerprints), to tell when prefix caching pays off. */
export class PrefixTracker {
  private seen = new Map<number, number>();

  constructor(private readonly options: PrefixTrackerOptions = DEFAULT_PREFIX_TRACKER) {}

  /**
   * The longest recently seen prefix length in characters (0 when none); with `record`, also remembers this text's
   * prefixes (a dry run does not).
   */
  observe(text: string, now: number, record = true): number {
    let shared = 0;
    for (const size of this.options.blockChars) {
      if (text.length < size) break;
      const key = fingerprint(text, size);
      const at = this.seen.get(key);
      if (at !== undefined && now - at <= this.options.ttlMs) shared = size;
      if (!record) continue;
      // Delete then set moves the key to the end: Map order is then least recently seen first.
      this.seen.delete(key);
      this.seen.set(key, now);
    }
    while (this.seen.size > this.options.maxEntries) {
      const oldest = this.seen.keys().next().value as number;
      this.seen.delete(oldest);
    }
    return shared;
  }
}
