import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/api/repo-root.js';

export interface BenchCluster {
  kubeconfig: string;
  kubectl(args: string[]): string;
  down(): void;
}

/** A fresh control plane from scripts/cluster.sh in a temporary state dir (fails loudly when binaries are missing). */
export function startBenchCluster(): BenchCluster {
  const root = repoRoot();
  const stateDir = mkdtempSync(join(tmpdir(), 'modeswitch-bench-cluster-'));
  const script = join(root, 'scripts', 'cluster.sh');
  const out = execFileSync('bash', [script, 'up', '--state-dir', stateDir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  });
  const kubeconfig = /export KUBECONFIG=(\S+)/.exec(out)?.[1];
  if (!kubeconfig) throw new Error(`scripts/cluster.sh up printed no KUBECONFIG:\n${out}`);
  return {
    kubeconfig,
    kubectl: (args) =>
      execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], {
        encoding: 'utf8',
        cwd: root,
        maxBuffer: 256 * 1024 * 1024,
      }),
    down: () =>
      void execFileSync('bash', [script, 'down', '--state-dir', stateDir], { stdio: 'inherit', timeout: 60_000 }),
  };
}
