/**
 * Prefix cache as vLLM's automatic prefix caching sees it: full KV blocks keyed by the hash of all tokens up to and
 * including the block, evicted least-recently-used when the KV pool needs the space.
 */
export class PrefixCache {
  private readonly blocks = new Map<string, true>();

  /** Number of leading blocks of a prompt already cached; touches them as recently used. */
  matchLeading(hashes: readonly string[]): number {
    let n = 0;
    for (const h of hashes) {
      if (!this.blocks.has(h)) break;
      this.blocks.delete(h);
      this.blocks.set(h, true);
      n += 1;
    }
    return n;
  }

  /** Records a prompt's blocks, then evicts the oldest until at most `capacityBlocks` remain. */
  insert(hashes: readonly string[], capacityBlocks: number): void {
    for (const h of hashes) {
      this.blocks.delete(h);
      this.blocks.set(h, true);
    }
    this.evictTo(capacityBlocks);
  }

  evictTo(capacityBlocks: number): void {
    const limit = Math.max(0, capacityBlocks);
    for (const key of this.blocks.keys()) {
      if (this.blocks.size <= limit) break;
      this.blocks.delete(key);
    }
  }

  get size(): number {
    return this.blocks.size;
  }
}
