import { KV_BLOCK_TOKENS } from '../../model/memory.js';
import type { CoreRequest } from '../../sim/engine/core-types.js';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';

/**
 * The engine's view of a workload request: the trace's lengths (generation stops at the trace's output length, as
 * with ignore_eos and max_tokens), and KV block hashes where blocks inside a shared system prompt hash alike, so
 * prefix caching finds them.
 */
export function coreRequestOf(r: WorkloadRequest, withBlockHashes: boolean): CoreRequest {
  const request: CoreRequest = {
    id: String(r.id),
    promptTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    maxTokens: r.outputTokens,
    requestType: r.type,
    temperature: r.temperature,
  };
  if (!withBlockHashes) return request;
  const blocks = Math.floor(r.inputTokens / KV_BLOCK_TOKENS);
  const shared = r.prefixGroup >= 0 ? Math.floor(r.prefixTokens / KV_BLOCK_TOKENS) : 0;
  const hashes: string[] = [];
  for (let b = 0; b < blocks; b += 1) hashes.push(b < shared ? `p${r.prefixGroup}:${b}` : `r${r.id}:${b}`);
  request.blockHashes = hashes;
  return request;
}
