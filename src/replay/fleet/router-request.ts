import type { NormalizedRequest } from '../../router/classify/normalized-request.js';
import type { WorkloadRequest } from '../../sim/workload/synthesize.js';

/** Characters per Llama 3 token of English text; the router's own estimate is close to it. */
export const CHARS_PER_TOKEN = 4;
const MAX_BLOCKS = 65;

/**
 * A stand-in for the prompt text: what the prefix tracker fingerprints. Requests of one prefix group start with the
 * same system prompt (as long as the real one, in characters); every other request starts with its own id.
 */
function standInText(r: WorkloadRequest): string {
  const own = `request ${r.id}: `.padEnd(64, '.');
  // The tracker reads at most the first 4096 characters; longer stand-ins would only cost time.
  if (r.prefixGroup < 0)
    return own.repeat(Math.min(MAX_BLOCKS, Math.ceil((r.inputTokens * CHARS_PER_TOKEN) / own.length)));
  const system = `system prompt ${r.prefixGroup}: `
    .padEnd(64, '.')
    .repeat(Math.ceil((r.prefixTokens * CHARS_PER_TOKEN) / 64));
  return `${system}\n${own}`;
}

/**
 * A workload request as a front end hands it to the router: the prompt tokens are the trace's (counted, as when a
 * client sends token ids), the request type and difficulty come as client hints (the demo sends the difficulty hint;
 * the classifier reads the type from the prompt's opening), and so does the domain of code and math requests (over
 * HTTP the classifier reads it from the demo's text), max_tokens is the trace's output length, and shared prefixes
 * are left for the router to detect.
 */
export function routerRequestOf(r: WorkloadRequest, model: string): NormalizedRequest {
  const text = standInText(r);
  return {
    kind: 'chat',
    model,
    text,
    ask: text,
    promptTokens: r.inputTokens,
    maxTokens: r.outputTokens,
    temperature: r.temperature,
    stream: true,
    includeUsage: false,
    // The stand-in text says nothing of a domain: code and math requests name theirs, as a client that knows would.
    hints: {
      type: r.type,
      difficulty: r.difficulty,
      ...(r.type === 'code' || r.type === 'math' ? { domain: r.type } : {}),
    },
    tenant: '',
    priority: 0,
    body: {},
  };
}
