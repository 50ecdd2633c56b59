/**
 * A policy's NetworkPolicies on the real API server, applied by the operator as the chart's ServiceAccount (so the
 * chart's RBAC is what is tested), and pruned when the policy turns them off. The API server stores NetworkPolicies
 * and validates them; nothing here enforces them (no CNI plugin), which is not what this suite checks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import type { OperatorProcess } from '../../../src/operator/runtime/process.js';
import {
  CLUSTER_START_TIMEOUT_MS,
  createNamespace,
  localCluster,
  removeKubeconfig,
  type LocalCluster,
} from '../../support/cluster.js';
import { policyFixture } from '../policy-fixture.js';
import { eventually, getJson, helmInstall, policyCondition, startClusterOperator } from './harness.js';

const RELEASE = 'netpol';
const POLICY = 'llama';

describe('NetworkPolicies on a real control plane', () => {
  let cluster: LocalCluster;
  let ns: { name: string; remove: () => Promise<void> };
  let operatorNs: { name: string; remove: () => Promise<void> };
  let operator: OperatorProcess;
  let operatorKubeconfig: string;
  let dir: string;

  const applyPolicy = async (policy: InferenceModePolicy) => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, stringify(policy));
    await cluster.kubectlOk(['apply', '-f', file]);
  };
  const networkPolicies = async () =>
    (await getJson(cluster, ['networkpolicies', '-n', ns.name, '--show-managed-fields'])).items.filter(
      (o: any) => !o.metadata.deletionTimestamp,
    );

  beforeAll(async () => {
    cluster = await localCluster();
    ns = await createNamespace(cluster, 'netpol');
    operatorNs = await createNamespace(cluster, 'netpol-op');
    dir = mkdtempSync(join(tmpdir(), 'netpol-'));
    // Its own release: the journey may install release `ms` at the same time. The chart's own NetworkPolicy too.
    const helm = helmInstall(
      cluster,
      ns.name,
      { name: RELEASE, namespace: operatorNs.name },
      { 'networkPolicy.enabled': 'true', 'networkPolicy.monitoringNamespace': 'monitoring' },
    );
    if (helm.status !== 0) throw new Error(`helm install failed: ${helm.stderr}`);
    operatorKubeconfig = await cluster.serviceAccountKubeconfig(operatorNs.name, `${RELEASE}-modeswitch-operator`);
    operator = await startClusterOperator({ kubeconfigPath: operatorKubeconfig, namespace: ns.name });
  }, CLUSTER_START_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await operator?.stop();
    if (operatorKubeconfig) removeKubeconfig(operatorKubeconfig);
    await ns?.remove();
    await operatorNs?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the chart's NetworkPolicy for the operator is accepted by the API server", async () => {
    const np = await getJson(cluster, ['networkpolicy', `${RELEASE}-modeswitch-operator`, '-n', operatorNs.name]);
    expect(np.spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({
      'kubernetes.io/metadata.name': 'monitoring',
    });
  });

  it('applies both NetworkPolicies with the chart RBAC, owned by the policy, and removes them when turned off', async () => {
    const policy = policyFixture(['fp16', 'fp8'], POLICY);
    policy.metadata.namespace = ns.name;
    // No pods needed: the policy is Ready as soon as its (empty) Deployments are rolled out.
    for (const m of policy.spec.modes) m.replicas = 0;
    policy.spec.router = { replicas: 0 };
    policy.spec.networkPolicy = { enabled: true, monitoringNamespace: 'monitoring' };
    await applyPolicy(policy);

    await eventually(async () => {
      const names = (await networkPolicies()).map((o: any) => o.metadata.name).sort();
      expect(names).toEqual([`${POLICY}-engines`, `${POLICY}-router`]);
    }, 60_000);
    const uid = (await getJson(cluster, ['imp', POLICY, '-n', ns.name])).metadata.uid;
    for (const np of await networkPolicies()) {
      expect(np.metadata.ownerReferences).toEqual([expect.objectContaining({ uid, controller: true })]);
      expect(np.metadata.managedFields.map((f: any) => f.manager)).toContain('modeswitch-operator');
    }
    const engines = await getJson(cluster, ['networkpolicy', `${POLICY}-engines`, '-n', ns.name]);
    expect(engines.spec.ingress[0].ports).toEqual([{ port: 8000, protocol: 'TCP' }]);
    // The apply went through (a missing RBAC grant would show as Ready=False ApplyFailed).
    await eventually(async () => {
      const ready = await policyCondition(cluster, ns.name, POLICY, 'Ready');
      expect({ status: ready?.status, reason: ready?.reason }).toEqual({ status: 'True', reason: 'AllReplicasReady' });
    }, 60_000);

    policy.spec.networkPolicy = { enabled: false };
    await applyPolicy(policy);
    await eventually(async () => expect(await networkPolicies()).toEqual([]), 60_000);
    // Everything else of the policy stays.
    const deployments = (await getJson(cluster, ['deployments', '-n', ns.name])).items.map((d: any) => d.metadata.name);
    expect(deployments.sort()).toEqual([`${POLICY}-fp16`, `${POLICY}-fp8`, `${POLICY}-router`]);
  }, 180_000);
});
