// jest globalTeardown: stops the control plane this run started (never one the developer preset).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function teardown() {
  const dir = globalThis.modeswitchOwnedClusterDir;
  if (!dir) return;
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'cluster.sh');
  execFileSync('bash', [script, 'down', '--state-dir', dir], { stdio: 'inherit', timeout: 60_000 });
}
