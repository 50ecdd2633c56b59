import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHART_DIR = join(REPO_ROOT, 'charts/modeswitch');
export const CHART_CI_VALUES = ['default', 'namespaced', 'ha'] as const;
export type CiValues = (typeof CHART_CI_VALUES)[number];

export function ciValuesFile(name: CiValues): string {
  return join(CHART_DIR, 'ci', `${name}-values.yaml`);
}
