/**
 * The labelled sample the domain classifier is measured on (data/domain-sample/prompts.jsonl), and the measurement:
 * accuracy overall and per domain, and what each domain was mistaken for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../api/repo-root.js';

export interface LabelledPrompt {
  domain: string;
  prompt: string;
}

export const DOMAIN_SAMPLE_FILE = join(repoRoot(), 'data', 'domain-sample', 'prompts.jsonl');

export function loadDomainSample(file = DOMAIN_SAMPLE_FILE): LabelledPrompt[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const row = JSON.parse(line) as Partial<LabelledPrompt>;
      if (typeof row.domain !== 'string' || typeof row.prompt !== 'string')
        throw new Error(`${file}:${i + 1}: needs "domain" and "prompt"`);
      return { domain: row.domain, prompt: row.prompt };
    });
}

export interface DomainAccuracy {
  total: number;
  correct: number;
  accuracy: number;
  /** Per true domain: how many, how many right, and the count of each wrong answer. */
  byDomain: Record<string, { total: number; correct: number; mistakenFor: Record<string, number> }>;
}

export function measureDomainAccuracy(
  sample: readonly LabelledPrompt[],
  classify: (prompt: string) => string,
): DomainAccuracy {
  const byDomain: DomainAccuracy['byDomain'] = {};
  let correct = 0;
  for (const { domain, prompt } of sample) {
    const entry = (byDomain[domain] ??= { total: 0, correct: 0, mistakenFor: {} });
    const got = classify(prompt);
    entry.total++;
    if (got === domain) {
      entry.correct++;
      correct++;
    } else {
      entry.mistakenFor[got] = (entry.mistakenFor[got] ?? 0) + 1;
    }
  }
  return { total: sample.length, correct, accuracy: sample.length === 0 ? 0 : correct / sample.length, byDomain };
}
