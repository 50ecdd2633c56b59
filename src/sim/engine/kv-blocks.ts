import { KV_BLOCK_TOKENS } from '../../model/memory.js';
import { PrefixCache } from './prefix-cache.js';

/** Paged KV-cache accounting: whole blocks per sequence, with cached prefixes kept in whatever is free. */
export class KvBlockPool {
  private used = 0;
  private readonly prefixCache = new PrefixCache();

  constructor(readonly capacityBlocks: number) {}

  /** Grows a sequence's blocks to hold `tokens`; false (and nothing taken) when the pool cannot. */
  growTo(seq: { kvBlocks: number }, tokens: number): boolean {
    const need = Math.ceil(tokens / KV_BLOCK_TOKENS) - seq.kvBlocks;
    if (need <= 0) return true;
    if (this.used + need > this.capacityBlocks) return false;
    this.used += need;
    seq.kvBlocks += need;
    this.prefixCache.evictTo(this.capacityBlocks - this.used);
    return true;
  }

  release(seq: { kvBlocks: number }): void {
    this.used -= seq.kvBlocks;
    seq.kvBlocks = 0;
  }

  /** Leading prompt blocks already cached. */
  matchPrefix(hashes: readonly string[]): number {
    return this.prefixCache.matchLeading(hashes);
  }

  /** Keeps a computed prompt's blocks for later requests, in the space sequences do not use. */
  insertPrefix(hashes: readonly string[]): void {
    this.prefixCache.insert(hashes, this.capacityBlocks - this.used);
  }

  usage(): number {
    return this.used / this.capacityBlocks;
  }
}
