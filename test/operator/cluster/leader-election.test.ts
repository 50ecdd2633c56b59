/**
 * Two operator replicas on the real API server: one Lease (coordination.k8s.io/v1) decides which one writes, and
 * leadership moves when the leader stops.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../../../src/api/repo-root.js';
import type { OperatorProcess } from '../../../src/operator/runtime/process.js';
import { CLUSTER_START_TIMEOUT_MS, createNamespace, localCluster, type LocalCluster } from '../../support/cluster.js';
import { policyFixture } from '../policy-fixture.js';
import { eventually, getJson, startClusterOperator } from './harness.js';

const CRD = join(repoRoot(), 'crds');
const LEASE = 'modeswitch-operator';
const election = (namespace: string, identity: string) => ({
  namespace,
  name: LEASE,
  identity,
  leaseDurationMs: 6000,
  renewDeadlineMs: 4000,
  retryPeriodMs: 250,
});

describe('two operator replicas electing a leader on a real Lease', () => {
  let cluster: LocalCluster;
  let ns: { name: string; remove: () => Promise<void> };
  let a: OperatorProcess;
  let b: OperatorProcess;
  let dir: string;

  beforeAll(async () => {
    cluster = await localCluster();
    // The CRD alone (the journey suite installs the chart); applying it again is a no-op.
    await cluster.kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', CRD]);
    // Polled rather than `kubectl wait`, which kubectl 1.32 fails on a CRD whose status is not written yet.
    await eventually(async () => {
      const crd = await getJson(cluster, ['crd', 'inferencemodepolicies.modeswitch.io']);
      expect(crd.status?.conditions?.find((c: { type: string }) => c.type === 'Established')?.status).toBe('True');
    });
    ns = await createNamespace(cluster, 'leader');
    dir = mkdtempSync(join(tmpdir(), 'leader-'));
    a = await startClusterOperator({
      kubeconfigPath: cluster.kubeconfig,
      namespace: ns.name,
      leaderElection: election(ns.name, 'operator-a'),
    });
    await eventually(() => expect(a.operator.isLeader()).toBe(true), 30_000);
    b = await startClusterOperator({
      kubeconfigPath: cluster.kubeconfig,
      namespace: ns.name,
      leaderElection: election(ns.name, 'operator-b'),
    });
    await eventually(() => expect(b.operator.isReady()).toBe(true), 30_000);
  }, CLUSTER_START_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await ns?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lets only the leader reconcile, then hands over on a clean stop and keeps reconciling', async () => {
    expect(b.operator.isLeader()).toBe(false);
    const lease = await getJson(cluster, ['lease', LEASE, '-n', ns.name]);
    expect(lease.spec).toMatchObject({ holderIdentity: 'operator-a', leaseDurationSeconds: 6 });

    const policy = { ...policyFixture(), metadata: { name: 'llama', namespace: ns.name } };
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, stringify(policy));
    await cluster.kubectlOk(['apply', '-f', file]);
    await eventually(async () => {
      const names = (await getJson(cluster, ['deployments', '-n', ns.name])).items
        .map((d: any) => d.metadata.name)
        .sort();
      expect(names).toEqual(['llama-fp16', 'llama-fp8', 'llama-router']);
    }, 30_000);
    // The leader counts a reconcile once its status write is done, a moment after the Deployments appear.
    await eventually(async () => expect(await reconciles(a)).toBeGreaterThan(0), 30_000);
    // The standby's workers never ran.
    expect(await reconciles(b)).toBe(0);

    await a.stop();
    await eventually(() => expect(b.operator.isLeader()).toBe(true), 15_000);
    const after = await getJson(cluster, ['lease', LEASE, '-n', ns.name]);
    expect(after.spec.holderIdentity).toBe('operator-b');
    expect(Date.parse(after.spec.renewTime)).toBeGreaterThan(Date.parse(lease.spec.renewTime));

    await cluster.kubectlOk(['scale', 'deployment', 'llama-fp8', '-n', ns.name, '--replicas=4']);
    await eventually(
      async () => expect((await getJson(cluster, ['deployment', 'llama-fp8', '-n', ns.name])).spec.replicas).toBe(1),
      30_000,
    );
  }, 120_000);

  it('stops a standby at once, though its informers queued every policy', async () => {
    const standby = await startClusterOperator({
      kubeconfigPath: cluster.kubeconfig,
      namespace: ns.name,
      leaderElection: election(ns.name, 'operator-c'),
    });
    await eventually(() => expect(standby.operator.isReady()).toBe(true), 30_000);
    expect(standby.operator.isLeader()).toBe(false);
    const stopped = await Promise.race([
      standby.stop().then(() => 'stopped'),
      new Promise((r) => setTimeout(() => r('hung'), 3000)),
    ]);
    expect(stopped).toBe('stopped');
    expect((await getJson(cluster, ['lease', LEASE, '-n', ns.name])).spec.holderIdentity).toBe('operator-b');
  }, 60_000);
});

/** Successful reconciles this replica made, from its /metrics. */
async function reconciles(p: OperatorProcess): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  const m = /modeswitch_reconcile_total\{result="success"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}
