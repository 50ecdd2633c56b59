import { KV_BLOCK_TOKENS } from '../../model/memory.js';
import type { CoreCounters, CoreEvent } from './core-types.js';
import type { KvBlockPool } from './kv-blocks.js';
import type { Sequence } from './sequence.js';

/** What one sequence does in the next iteration: a prompt chunk, or one decode (k+1 tokens when speculating). */
export interface PlannedWork {
  seq: Sequence;
  prefillChunk: number;
  decode: boolean;
}

export interface SchedulerOptions {
  /** vLLM --max-num-seqs. */
  maxNumSeqs: number;
  /** vLLM --max-num-batched-tokens. */
  maxBatchedTokens: number;
  /** Tokens each decoding sequence verifies per iteration (1, or k+1 with k speculative drafts). */
  tokensPerDecode: number;
  prefixCaching: boolean;
  kv: KvBlockPool;
  counters: CoreCounters;
}

/**
 * vLLM V1's scheduler: running sequences first (finishing prompt chunks, then one decode each, preempting the
 * latest admitted when KV blocks run out), then waiting ones in arrival order while the token budget and
 * max_num_seqs allow (chunked prefill).
 */
export class Scheduler {
  readonly waiting: Sequence[] = [];
  readonly running: Sequence[] = [];

  constructor(private readonly o: SchedulerOptions) {}

  hasWork(): boolean {
    return this.waiting.length > 0 || this.running.length > 0;
  }

  enqueue(seq: Sequence): void {
    this.waiting.push(seq);
  }

  remove(seq: Sequence): void {
    const ri = this.running.indexOf(seq);
    if (ri >= 0) this.running.splice(ri, 1);
    const wi = this.waiting.indexOf(seq);
    if (wi >= 0) this.waiting.splice(wi, 1);
  }

  /**
   * Plans the next iteration. `outOfKv` is called for a sequence that runs alone and still cannot grow: nothing is
   * left to preempt, so the engine ends it at the cache's length limit.
   */
  plan(now: number, events: CoreEvent[], outOfKv: (seq: Sequence) => void): PlannedWork[] {
    const planned: PlannedWork[] = [];
    const budget = { tokens: this.o.maxBatchedTokens };
    this.planRunning(budget, planned, outOfKv);
    this.planWaiting(now, budget, planned, events);
    return planned;
  }

  private planRunning(budget: { tokens: number }, planned: PlannedWork[], outOfKv: (seq: Sequence) => void): void {
    const { kv, tokensPerDecode } = this.o;
    const running = this.running;
    for (let i = 0; i < running.length && budget.tokens > 0; i += 1) {
      const seq = running[i]!;
      if (seq.prefillDone < seq.prefillTarget) {
        const chunk = Math.min(seq.prefillTarget - seq.prefillDone, budget.tokens);
        if (!kv.growTo(seq, seq.prefillDone + chunk)) break;
        budget.tokens -= chunk;
        planned.push({ seq, prefillChunk: chunk, decode: false });
        continue;
      }
      const context = seq.req.promptTokens + seq.generated;
      let fits = kv.growTo(seq, context + tokensPerDecode);
      while (!fits && running.length > 1) {
        // Lowest priority (latest admitted) goes first, possibly this sequence itself.
        const victim = running[running.length - 1]!;
        this.preempt(victim);
        if (victim === seq) break;
        fits = kv.growTo(seq, context + tokensPerDecode);
      }
      if (!running.includes(seq)) break;
      if (!fits) {
        outOfKv(seq);
        break;
      }
      budget.tokens -= tokensPerDecode;
      planned.push({ seq, prefillChunk: 0, decode: true });
    }
  }

  private planWaiting(now: number, budget: { tokens: number }, planned: PlannedWork[], events: CoreEvent[]): void {
    while (this.waiting.length > 0 && this.running.length < this.o.maxNumSeqs && budget.tokens > 0) {
      const seq = this.waiting[0]!;
      const resumeFrom = seq.prefillDone;
      this.admitPrefix(seq);
      const chunk = Math.min(seq.prefillTarget - seq.prefillDone, budget.tokens);
      if (!this.o.kv.growTo(seq, seq.prefillDone + chunk)) {
        seq.prefillDone = resumeFrom;
        break;
      }
      this.waiting.shift();
      this.running.push(seq);
      if (seq.scheduledAt === undefined) {
        seq.scheduledAt = now;
        events.push({ type: 'scheduled', id: seq.req.id, time: now });
      }
      budget.tokens -= chunk;
      planned.push({ seq, prefillChunk: chunk, decode: false });
    }
  }

  /** Recompute preemption, as vLLM V1 does: free the KV and requeue at the front, prompt + output re-prefilled. */
  private preempt(victim: Sequence): void {
    this.running.splice(this.running.indexOf(victim), 1);
    this.o.kv.release(victim);
    victim.prefillTarget = victim.req.promptTokens + victim.generated;
    victim.prefillDone = 0;
    victim.preemptions += 1;
    this.o.counters.preemptions += 1;
    this.waiting.unshift(victim);
  }

  private admitPrefix(seq: Sequence): void {
    if (!this.o.prefixCaching || seq.scheduledAt !== undefined || !seq.req.blockHashes) return;
    const hits = this.o.kv.matchPrefix(seq.req.blockHashes);
    // vLLM always recomputes the last prompt token to produce logits.
    seq.cachedTokens = Math.min(hits * KV_BLOCK_TOKENS, seq.req.promptTokens - 1);
    seq.prefillDone = seq.cachedTokens;
    this.o.counters.prefixQueries += seq.req.promptTokens;
    this.o.counters.prefixHits += seq.cachedTokens;
  }
}
