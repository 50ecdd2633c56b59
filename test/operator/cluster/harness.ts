/** Shared steps of the suites that run the operator on the local control plane (test/support/cluster.ts). */
import { join } from 'node:path';
import { repoRoot } from '../../../src/api/repo-root.js';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import type { LeaderElectionOptions } from '../../../src/operator/runtime/operator.js';
import { startOperatorProcess, type OperatorProcess } from '../../../src/operator/runtime/process.js';
import type { LocalCluster } from '../../support/cluster.js';
import { requireTool } from '../../packaging/support/tools.js';
import { runTool } from '../../packaging/support/run-tool.js';

export { eventually } from '../../support/eventually.js';

export const CHART = join(repoRoot(), 'charts', 'modeswitch');
export const RELEASE = 'ms';
export const OPERATOR_NAMESPACE = 'modeswitch-system';
/** The ServiceAccount the chart creates for release `ms`. */
export const OPERATOR_SERVICE_ACCOUNT = 'ms-modeswitch-operator';

/**
 * `helm install` of the chart, the operator watching one namespace (so suites sharing the cluster never reconcile
 * each other's policies). The CRD comes from the chart's crds/ (helm skips it when it already exists). A suite that
 * may run beside the journey installs its own release in its own namespace; the ServiceAccount is then
 * `<release>-modeswitch-operator`.
 */
export function helmInstall(
  cluster: LocalCluster,
  watchNamespace: string,
  release: { name: string; namespace: string } = { name: RELEASE, namespace: OPERATOR_NAMESPACE },
  values: Record<string, string> = {},
): { status: number; stdout: string; stderr: string } {
  return runTool(
    requireTool('helm'),
    [
      'install',
      release.name,
      CHART,
      '--namespace',
      release.namespace,
      '--create-namespace',
      '--set',
      `watchNamespace=${watchNamespace}`,
      ...Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
      '--kubeconfig',
      cluster.kubeconfig,
    ],
    120_000,
  );
}

/** The operator process (what `modeswitch operator` runs), with the given kubeconfig. */
export function startClusterOperator(options: {
  kubeconfigPath: string;
  namespace: string;
  leaderElection?: LeaderElectionOptions;
  resyncPeriodMs?: number;
  /** Where its log goes; errors only, on stderr, by default. */
  logger?: Logger;
}): Promise<OperatorProcess> {
  return startOperatorProcess({
    kubeconfigPath: options.kubeconfigPath,
    namespace: options.namespace,
    workers: 2,
    leaderElection: options.leaderElection,
    resyncPeriodMs: options.resyncPeriodMs ?? 0,
    listenHost: '127.0.0.1',
    listenPort: 0,
    logger:
      options.logger ?? createLogger('operator-cluster-test', { level: process.env['TEST_LOG_LEVEL'] ?? 'error' }),
  });
}

/** `kubectl get ... -o json`, parsed. */
export async function getJson<T = any>(cluster: LocalCluster, args: string[]): Promise<T> {
  return JSON.parse(await cluster.kubectlOk(['get', ...args, '-o', 'json'])) as T;
}

export interface PodView {
  name: string;
  mode?: string;
  policy?: string;
  node?: string;
  ready: boolean;
  limits: Record<string, string>;
  nodeSelector: Record<string, string>;
}

export async function podsIn(cluster: LocalCluster, namespace: string, selector?: string): Promise<PodView[]> {
  const list = await getJson(cluster, ['pods', '-n', namespace, ...(selector ? ['-l', selector] : [])]);
  return list.items
    .filter((p: any) => !p.metadata.deletionTimestamp)
    .map((p: any) => ({
      name: p.metadata.name,
      mode: p.metadata.labels?.['modeswitch.io/mode'],
      policy: p.metadata.labels?.['modeswitch.io/policy'],
      node: p.spec.nodeName,
      ready: (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
      limits: p.spec.containers[0].resources?.limits ?? {},
      nodeSelector: p.spec.nodeSelector ?? {},
    }));
}

/** The `.status.conditions` entry of a policy. */
export async function policyCondition(
  cluster: LocalCluster,
  namespace: string,
  name: string,
  type: string,
): Promise<any> {
  const p = await getJson(cluster, ['imp', name, '-n', namespace]);
  return (p.status?.conditions ?? []).find((c: any) => c.type === type);
}
