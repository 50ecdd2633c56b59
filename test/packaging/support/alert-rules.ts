import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR } from './paths.js';

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}

export const ALERTS_FILE = join(CHART_DIR, 'rules/alerts.yaml');

export function loadRules(): Rule[] {
  const file = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { rules: Rule[] }[] };
  return file.groups.flatMap((g) => g.rules);
}

/**
 * The series selectors a rule reads: each metric name (and, for `up`, its label matchers, since the job is what
 * matters). Recorded series (`a:b:c`) are selectors too.
 */
export function selectorsOf(expr: string): string[] {
  const found = new Set<string>();
  for (const m of expr.matchAll(/\b(up\{[^}]*\}|modeswitch[a-z0-9_:]*)/g)) found.add(m[1] as string);
  return [...found].sort();
}
