/**
 * vLLM's `num_speculative_tokens_per_batch_size` (0.33): inclusive [first batch, last batch, speculative tokens] ranges.
 * The checks vLLM makes when it starts (vllm/v1/spec_decode/dynamic/utils.py, validate_and_normalize_dynamic_sd_schedule):
 * positive batch sizes, first <= last, tokens >= 0, no overlap once sorted, the first range starting at batch 1.
 * Returns the problems, each a sentence, empty when valid.
 */
export function perBatchSizeProblems(schedule: readonly (readonly number[])[]): string[] {
  if (schedule.length === 0) return ['must list at least one [first batch, last batch, speculative tokens] range'];
  const problems: string[] = [];
  for (const [i, entry] of schedule.entries()) {
    const [first, last, tokens] = entry as [number, number, number];
    if (entry.length !== 3 || !entry.every((n) => Number.isInteger(n)))
      problems.push(`[${i}] must be three integers [first batch, last batch, speculative tokens]`);
    else if (first <= 0 || last <= 0) problems.push(`[${i}] batch sizes must be positive`);
    else if (first > last) problems.push(`[${i}] first batch ${first} is above last batch ${last}`);
    else if (tokens < 0) problems.push(`[${i}] speculative tokens must be 0 or more`);
  }
  if (problems.length > 0) return problems;
  const sorted = [...schedule].sort((a, b) => a[0]! - b[0]!);
  let previousEnd = 0;
  for (const [first, last] of sorted) {
    if (first! <= previousEnd) return [`batch-size ranges overlap at batch ${first}`];
    previousEnd = last!;
  }
  if (sorted[0]![0] !== 1) return ['the first batch-size range must start at 1, so that every batch has a value'];
  return [];
}
