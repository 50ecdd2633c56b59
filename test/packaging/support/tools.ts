import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { REPO_ROOT } from './paths.js';

const INSTALL_HINT = 'run npm run setup (scripts/install-tools.sh) to install helm, prometheus and promtool';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Absolute path of a packaging tool: `.tools/bin/<name>` first, then PATH. Throws (so the test fails, never skips)
 * when it is missing.
 */
export function requireTool(name: 'helm' | 'promtool' | 'prometheus'): string {
  const candidates = [
    join(REPO_ROOT, '.tools/bin', name),
    ...(process.env['PATH'] ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, name)),
  ];
  const found = candidates.find(isExecutable);
  if (!found) throw new Error(`${name} not found in .tools/bin or on PATH: ${INSTALL_HINT}`);
  return found;
}
