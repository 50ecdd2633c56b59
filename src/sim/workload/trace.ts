import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../api/repo-root.js';

/** One request of a production trace: when it arrived and how long its prompt and answer were. */
export interface TraceRecord {
  /** Seconds since the first request of the trace. */
  arrivalSeconds: number;
  inputTokens: number;
  outputTokens: number;
}

export type TraceName = 'conv' | 'code';

/** Parses the Azure LLM inference trace CSV (`TIMESTAMP,ContextTokens,GeneratedTokens`). */
export function parseAzureTrace(csv: string): TraceRecord[] {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines
    .shift()
    ?.split(',')
    .map((h) => h.trim());
  if (header?.join(',') !== 'TIMESTAMP,ContextTokens,GeneratedTokens') {
    throw new Error(`not an Azure LLM trace: header is "${header?.join(',')}"`);
  }
  let first: number | undefined;
  return lines.map((line, i) => {
    const [ts, context, generated] = line.split(',');
    // Timestamps carry 100 ns digits Date cannot parse; milliseconds are precise enough for arrivals.
    const ms = Date.parse(`${ts!.trim().replace(' ', 'T').slice(0, 23)}Z`);
    const inputTokens = Number(context);
    const outputTokens = Number(generated);
    if (Number.isNaN(ms) || !Number.isFinite(inputTokens) || !Number.isFinite(outputTokens)) {
      throw new Error(`trace line ${i + 2} is malformed: "${line}"`);
    }
    first ??= ms;
    return { arrivalSeconds: (ms - first) / 1000, inputTokens, outputTokens: Math.max(1, outputTokens) };
  });
}

/** The shipped copy of a trace (data/azure-llm-2023, CC-BY 4.0, Patel et al. ISCA 2024). */
export function loadTrace(name: TraceName): TraceRecord[] {
  return parseAzureTrace(readFileSync(join(repoRoot(), 'data', 'azure-llm-2023', `${name}.csv`), 'utf8'));
}

/** The requests arriving in [fromSeconds, fromSeconds + durationSeconds), re-based to start at 0. */
export function sliceTrace(trace: readonly TraceRecord[], fromSeconds: number, durationSeconds: number): TraceRecord[] {
  return trace
    .filter((r) => r.arrivalSeconds >= fromSeconds && r.arrivalSeconds < fromSeconds + durationSeconds)
    .map((r) => ({ ...r, arrivalSeconds: r.arrivalSeconds - fromSeconds }));
}
