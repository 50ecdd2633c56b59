import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Kubeconfig path (e.g. from FakeApiServer.writeKubeconfig). */
  kubeconfig: string;
  /** Written to kubectl's stdin (for `-f -`). */
  stdin?: string;
  /** Kill kubectl after this long (default 30 s). */
  timeoutMs?: number;
}

/**
 * Path of the real kubectl: $KUBECTL, /usr/local/bin/kubectl, or the first on PATH. Throws when there is none,
 * so tests that need it fail loudly instead of passing without running it.
 */
export function findKubectl(): string {
  const candidates = [
    process.env['KUBECTL'],
    '/usr/local/bin/kubectl',
    ...(process.env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, 'kubectl')),
  ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(
    'kubectl not found (looked at $KUBECTL, /usr/local/bin and PATH): these tests need the real kubectl 1.32',
  );
}

/**
 * Runs kubectl with the given kubeconfig and a private HOME and cache dir, so discovery caches of other runs
 * (other ports, other CRDs) never leak in. Resolves with the exit code; never rejects on a non-zero exit.
 *
 * Against the fake API server use manifests (`apply --server-side --validate=false -f`, `get`, `delete`):
 * imperative commands such as `kubectl create namespace` send protobuf bodies, which the fake answers with 415.
 */
export async function runKubectl(args: string[], options: KubectlOptions): Promise<KubectlResult> {
  const binary = findKubectl();
  const home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));
  try {
    return await new Promise<KubectlResult>((resolve, reject) => {
      const child = execFile(
        binary,
        [...args, `--cache-dir=${join(home, 'cache')}`],
        {
          env: { PATH: process.env['PATH'] ?? '', HOME: home, KUBECONFIG: options.kubeconfig },
          timeout: options.timeoutMs ?? 30_000,
        },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') {
            reject(new Error(`kubectl ${args.join(' ')} did not run: ${error.message}\n${stderr}`));
            return;
          }
          resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
        },
      );
      if (options.stdin !== undefined) child.stdin?.end(options.stdin);
      else child.stdin?.end();
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
