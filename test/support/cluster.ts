/**
 * The real control plane of scripts/cluster.sh (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
 * kwok GPU nodes) for tests. One per jest run: the first test file to ask starts it in the state dir that
 * test/support/cluster-global-setup.mjs chose, later files reuse it, and the global teardown stops it. Each test
 * file works in namespaces of its own.
 *
 * Missing binaries fail the test with the command that builds them; nothing is skipped.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../../src/api/repo-root.js';
import { runKubectl, type KubectlResult } from './kubectl.js';

/** How long `scripts/cluster.sh up` may take (a cold start on 2 busy cores is under a minute). */
export const CLUSTER_START_TIMEOUT_MS = 180_000;

export interface LocalCluster {
  /** Admin kubeconfig (system:masters). */
  kubeconfig: string;
  /** The API server URL. */
  server: string;
  kubectl(args: string[], stdin?: string): Promise<KubectlResult>;
  /** kubectl that throws with stderr when it fails, returning stdout. */
  kubectlOk(args: string[], stdin?: string): Promise<string>;
  /** A kubeconfig that authenticates as a ServiceAccount (a real token from the TokenRequest API). */
  serviceAccountKubeconfig(namespace: string, serviceAccount: string): Promise<string>;
}

function stateDir(): string {
  return process.env['MODESWITCH_TEST_CLUSTER_DIR'] ?? join(repoRoot(), '.tools', 'cluster-test');
}

function run(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: repoRoot(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number')
          reject(new Error(`${command} ${args.join(' ')} did not finish: ${error.message}\n${stderr}`));
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

let started: Promise<LocalCluster> | undefined;

/** Starts the control plane, or joins the one this jest run already started. */
export function localCluster(): Promise<LocalCluster> {
  started ??= (async () => {
    const result = await run('bash', ['scripts/cluster.sh', 'up', '--state-dir', stateDir()], CLUSTER_START_TIMEOUT_MS);
    if (result.code !== 0) throw new Error(`scripts/cluster.sh up failed (exit ${result.code}):\n${result.stderr}`);
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(result.stdout)?.[1];
    if (!kubeconfig) throw new Error(`scripts/cluster.sh up printed no KUBECONFIG:\n${result.stdout}`);
    return clusterAt(kubeconfig);
  })();
  return started;
}

function clusterAt(kubeconfig: string): LocalCluster {
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  const clusterEntry = config.clusters[0].cluster;
  const kubectl = (args: string[], stdin?: string) => runKubectl(args, { kubeconfig, stdin, timeoutMs: 60_000 });
  const kubectlOk = async (args: string[], stdin?: string) => {
    const r = await kubectl(args, stdin);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.code}): ${r.stderr}`);
    return r.stdout;
  };
  return {
    kubeconfig,
    server: clusterEntry.server,
    kubectl,
    kubectlOk,
    async serviceAccountKubeconfig(namespace, serviceAccount) {
      const token = (await kubectlOk(['create', 'token', serviceAccount, '-n', namespace, '--duration=2h'])).trim();
      const dir = mkdtempSync(join(tmpdir(), 'modeswitch-sa-'));
      const path = join(dir, 'kubeconfig');
      writeFileSync(
        path,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'local',
              cluster: {
                server: clusterEntry.server,
                'certificate-authority-data': readFileSync(clusterEntry['certificate-authority']).toString('base64'),
              },
            },
          ],
          users: [{ name: serviceAccount, user: { token } }],
          contexts: [{ name: 'local', context: { cluster: 'local', user: serviceAccount, namespace } }],
          'current-context': 'local',
        }),
      );
      return path;
    },
  };
}

/** A namespace unique to this test file, deleted (with everything in it) by the returned cleanup. */
export async function createNamespace(
  cluster: LocalCluster,
  prefix: string,
): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `${prefix}-${process.pid}-${Date.now().toString(36)}`;
  await cluster.kubectlOk(['create', 'namespace', name]);
  return { name, remove: async () => void (await cluster.kubectl(['delete', 'namespace', name, '--wait=false'])) };
}

/** Removes a temporary kubeconfig written by serviceAccountKubeconfig. */
export function removeKubeconfig(path: string): void {
  rmSync(join(path, '..'), { recursive: true, force: true });
}

/** Components of scripts/cluster.sh that a test may crash and start again. */
export type RestartableComponent = 'etcd' | 'kube-apiserver';

/** A control plane of a test's own, which it may break without disturbing the suites sharing localCluster(). */
export interface PrivateCluster extends LocalCluster {
  stateDir: string;
  /**
   * Kills a component with SIGKILL (a crash: no graceful shutdown, requests in flight get no answer), keeps it
   * down `downMs`, then starts it again with the same command line plus `extraArgs`, in the same state (etcd's data
   * dir, the same ports and certificates). Resolves once the API server answers /readyz again (its etcd check
   * included).
   */
  restart(component: RestartableComponent, options?: { downMs?: number; extraArgs?: string[] }): Promise<void>;
  /** Stops every component and deletes the state dir. */
  down(): Promise<void>;
}

/** Whether a process still runs (a zombie, dead but not yet reaped by its parent, does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Starts a control plane in a new state dir (scripts/cluster.sh up), separate from the shared one. */
export async function privateCluster(prefix: string): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), `modeswitch-${prefix}-`));
  const down = async () => {
    await run('bash', ['scripts/cluster.sh', 'down', '--state-dir', dir], 60_000);
  };
  const result = await run('bash', ['scripts/cluster.sh', 'up', '--state-dir', dir], CLUSTER_START_TIMEOUT_MS);
  if (result.code !== 0) {
    await down();
    throw new Error(`scripts/cluster.sh up failed (exit ${result.code}):\n${result.stderr}`);
  }
  const cluster = clusterAt(join(dir, 'kubeconfig'));
  const waitReady = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await cluster.kubectl(['get', '--raw', '/readyz', '--request-timeout=2s']);
      if (r.code === 0) return;
      if (Date.now() > deadline)
        throw new Error(`the API server is not ready ${timeoutMs} ms after a restart: ${r.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  return {
    ...cluster,
    stateDir: dir,
    down,
    async restart(component, options = {}) {
      const pidFile = join(dir, 'pids', component);
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      // The exact command line scripts/cluster.sh started it with (setsid execs the component in place).
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
      process.kill(pid, 'SIGKILL');
      while (running(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, options.downMs ?? 0));
      const log = openSync(join(dir, 'logs', `${component}.log`), 'a');
      const [command, ...args] = [...argv, ...(options.extraArgs ?? [])] as [string, ...string[]];
      // Its own session, like scripts/cluster.sh's setsid, so `cluster.sh down` stops it by the pid recorded here.
      const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log] });
      child.unref();
      closeSync(log);
      writeFileSync(pidFile, `${child.pid}\n`);
      await waitReady(120_000);
    },
  };
}
