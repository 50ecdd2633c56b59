/**
 * The operator's whole journey on a real control plane (kube-apiserver, etcd, kube-controller-manager,
 * kube-scheduler) with kwok GPU nodes: helm install of the chart, the operator as the chart's ServiceAccount,
 * kubectl apply of every shipped example, real Deployments -> ReplicaSets -> pods placed by the real scheduler on
 * matching GPU nodes, made Ready by kwok; drift, a removed mode, an invalid policy, an unschedulable mode, and
 * deletion through the real garbage collector.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { OperatorProcess } from '../../../src/operator/runtime/process.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { systemClock } from '../../../src/kube/clock.js';
import { connectKube } from '../../../src/kube/connect.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { Endpoint } from '../../../src/router/pods/endpoint.js';
import { routerKubeDiscovery } from '../../../src/router/pods/kube-discovery.js';
import { CLUSTER_START_TIMEOUT_MS, localCluster, removeKubeconfig, type LocalCluster } from '../../support/cluster.js';
import { EXAMPLES_DIR } from '../../support/policies.js';
import {
  eventually,
  getJson,
  helmInstall,
  OPERATOR_NAMESPACE,
  OPERATOR_SERVICE_ACCOUNT,
  podsIn,
  policyCondition,
  RELEASE,
  startClusterOperator,
} from './harness.js';
import { requireTool } from '../../packaging/support/tools.js';
import { runTool } from '../../packaging/support/run-tool.js';

/** The namespace every shipped example names. */
const NS = 'llm';
/** Pods are created, scheduled and made Ready by real controllers: allow them time on a busy 2-core machine. */
const CONVERGE_MS = 90_000;

const examples = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const exampleDoc = (file: string) => parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8'));

describe('the operator on a real control plane with GPU nodes', () => {
  let cluster: LocalCluster;
  let operator: OperatorProcess;
  let operatorKubeconfig: string;
  let dir: string;
  let helm: { status: number; stdout: string; stderr: string };

  const writePolicy = (name: string, doc: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, stringify(doc));
    return file;
  };
  const apply = (file: string) => cluster.kubectl(['apply', '-f', file]);

  beforeAll(async () => {
    cluster = await localCluster();
    dir = mkdtempSync(join(tmpdir(), 'journey-'));
    // What the examples expect of a cluster: their namespace, the Hugging Face token Secret, and (A100 example)
    // a ReadWriteMany claim for the model cache, here bound to a hostPath volume by the real PV controller.
    await cluster.kubectlOk(['create', 'namespace', NS]);
    helm = helmInstall(cluster, NS);
    if (helm.status !== 0) throw new Error(`helm install failed: ${helm.stderr}`);
    await cluster.kubectlOk(['create', 'secret', 'generic', 'hf-token', '-n', NS, '--from-literal=token=unused']);
    await cluster.kubectlOk(
      ['apply', '-f', '-'],
      stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: { name: 'hf-cache' },
            spec: {
              capacity: { storage: '100Gi' },
              accessModes: ['ReadWriteMany'],
              storageClassName: '',
              hostPath: { path: '/var/cache/hf' },
              claimRef: { namespace: NS, name: 'hf-cache' },
            },
          },
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { name: 'hf-cache', namespace: NS },
            spec: {
              accessModes: ['ReadWriteMany'],
              storageClassName: '',
              volumeName: 'hf-cache',
              resources: { requests: { storage: '100Gi' } },
            },
          },
        ],
      }),
    );
    operatorKubeconfig = await cluster.serviceAccountKubeconfig(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT);
    operator = await startClusterOperator({
      kubeconfigPath: operatorKubeconfig,
      namespace: NS,
      leaderElection: { namespace: OPERATOR_NAMESPACE, name: 'modeswitch-operator', identity: 'journey' },
    });
  }, CLUSTER_START_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await operator?.stop();
    // Leaves the cluster as found, so a developer's long-lived one (MODESWITCH_TEST_CLUSTER_DIR) can run this again.
    if (helm)
      runTool(requireTool('helm'), [
        'uninstall',
        RELEASE,
        '--namespace',
        OPERATOR_NAMESPACE,
        '--kubeconfig',
        cluster.kubeconfig,
      ]);
    await cluster?.kubectl(['delete', 'namespace', NS, '--timeout=60s']);
    // The volume outlives its namespace (Released, still claimed by the deleted claim): a next run could not bind it.
    await cluster?.kubectl(['delete', 'persistentvolume', 'hf-cache', '--ignore-not-found']);
    if (operatorKubeconfig) removeKubeconfig(operatorKubeconfig);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs the chart: the real API server accepts the CRD with its CEL rules', async () => {
    expect(helm.stdout).toContain('STATUS: deployed');
    const crd = await getJson(cluster, ['crd', 'inferencemodepolicies.modeswitch.io']);
    const established = crd.status.conditions.find((c: { type: string }) => c.type === 'Established');
    expect(established.status).toBe('True');
    expect(JSON.stringify(crd.spec)).toContain('x-kubernetes-validations');
  });

  it(
    'applies every shipped example and schedules each mode onto GPU nodes that match it; every policy turns Ready',
    async () => {
      for (const file of examples) {
        const result = await apply(join(EXAMPLES_DIR, file));
        expect({ file, code: result.code, stderr: result.stderr }).toEqual({ file, code: 0, stderr: '' });
      }
      for (const file of examples) {
        const name = exampleDoc(file).metadata.name;
        await eventually(
          async () => expect(await policyCondition(cluster, NS, name, 'Ready')).toMatchObject({ status: 'True' }),
          CONVERGE_MS,
        );
      }
      const nodes = await getJson(cluster, ['nodes']);
      const labelsOf = new Map<string, Record<string, string>>(
        nodes.items.map((n: any) => [n.metadata.name, n.metadata.labels]),
      );
      const pods = await podsIn(cluster, NS);
      const deployments = (
        await getJson(cluster, ['deployments', '-n', NS, '-l', 'app.kubernetes.io/component=engine'])
      ).items;
      for (const file of examples) {
        const doc = exampleDoc(file);
        // As many mode pods as the policy's mode Deployments ask for (adapter modes share their base mode's pods).
        const expectedPods = deployments
          .filter((d: any) => d.metadata.labels['modeswitch.io/policy'] === doc.metadata.name)
          .reduce((n: number, d: any) => n + d.spec.replicas, 0);
        expect(expectedPods).toBeGreaterThan(0);
        const modePods = pods.filter((p) => p.policy === doc.metadata.name && p.mode !== undefined);
        expect({ policy: doc.metadata.name, pods: modePods.length }).toEqual({
          policy: doc.metadata.name,
          pods: expectedPods,
        });
        for (const pod of modePods) {
          expect(pod.ready).toBe(true);
          // The node carries every label the policy's nodeSelector asks for, and advertises the GPU resource.
          expect(labelsOf.get(pod.node as string)).toMatchObject(doc.spec.engine.nodeSelector);
        }
      }
      // The MIG example's pods sit on the MIG node, each holding one 3g.40gb slice.
      const mig = pods.filter((p) => p.policy === 'llama-8b-mig' && p.mode);
      expect(new Set(mig.map((p) => p.node))).toEqual(new Set(['gpu-mig-0']));
      expect(mig.every((p) => p.limits['nvidia.com/mig-3g.40gb'] === '1')).toBe(true);
      // The 70B example's modes hold 4, 2 and 1 GPUs per pod (BF16, FP8, 4-bit), each pod on one H100 node. The H100
      // examples hold 18 of the three H100 nodes' 24 GPUs at rest, leaving the capacity suite its 4.
      const seventy = pods.filter((p) => p.policy === 'llama-70b' && p.mode);
      expect(Object.fromEntries(seventy.map((p) => [p.mode, p.limits['nvidia.com/gpu']]))).toEqual({
        bf16: '4',
        fp8: '2',
        int4: '1',
      });
      expect(seventy.every((p) => (p.node as string).startsWith('gpu-h100-'))).toBe(true);
      // Routers need no GPU and do not tolerate the GPU taint: they land on the CPU node.
      expect(new Set(pods.filter((p) => p.mode === undefined).map((p) => p.node))).toEqual(new Set(['cpu-0']));
    },
    CONVERGE_MS * 5,
  );

  it(
    'gets the EndpointSlices the router discovers its mode pods by from the real EndpointSlice controller',
    async () => {
      // The router watches slices labelled modeswitch.io/policy=<policy> (src/router/pods/kube-discovery.ts): the
      // controller copies the mode Service's labels onto each slice and lists every ready pod with its port.
      const pods = await podsIn(cluster, NS, 'modeswitch.io/policy=llama-8b,app.kubernetes.io/component=engine');
      const podIps = new Map<string, string>();
      for (const p of (await getJson(cluster, ['pods', '-n', NS, '-l', 'modeswitch.io/policy=llama-8b'])).items)
        podIps.set(p.metadata.name, p.status.podIP);
      await eventually(async () => {
        const slices = (await getJson(cluster, ['endpointslices', '-n', NS, '-l', 'modeswitch.io/policy=llama-8b']))
          .items;
        const seen = slices
          .filter((s: any) => s.metadata.labels['modeswitch.io/mode'])
          .flatMap((s: any) =>
            (s.endpoints ?? []).map((e: any) => ({
              mode: s.metadata.labels['modeswitch.io/mode'],
              pod: e.targetRef.name,
              address: e.addresses[0],
              ready: e.conditions.ready,
              port: s.ports[0].port,
            })),
          )
          .sort((a: { pod: string }, b: { pod: string }) => a.pod.localeCompare(b.pod));
        const expected = pods
          .map((p) => ({ mode: p.mode, pod: p.name, address: podIps.get(p.name), ready: true, port: 8000 }))
          .sort((a, b) => a.pod.localeCompare(b.pod));
        expect(seen).toEqual(expected);
      }, CONVERGE_MS);
    },
    CONVERGE_MS * 2,
  );

  it(
    "lets the router's own discovery, as the router's ServiceAccount, find every mode's pods through those slices",
    async () => {
      // Under the Role the operator rendered for the router (its policy by name only, EndpointSlices, no more): the
      // real API server enforces it, so a list or watch the Role does not allow would leave the router empty-handed.
      const kubeconfig = await cluster.serviceAccountKubeconfig(NS, 'llama-8b-router');
      const policies: InferenceModePolicy[] = [];
      let endpoints = new Map<string, readonly Endpoint[]>();
      const discovery = routerKubeDiscovery({
        source: connectKube({ path: kubeconfig }).source,
        policyRef: { namespace: NS, name: 'llama-8b' },
        clock: systemClock,
        logger: createLogger('test', { level: 'error' }),
      });
      await discovery.start({ policy: (p) => policies.push(p), endpoints: (e) => (endpoints = new Map(e)) });
      try {
        const byPod = (a: { pod?: string }, b: { pod?: string }) => (a.pod ?? '').localeCompare(b.pod ?? '');
        const pods = await podsIn(cluster, NS, 'modeswitch.io/policy=llama-8b,app.kubernetes.io/component=engine');
        await eventually(async () => {
          expect(policies.at(-1)?.metadata.name).toBe('llama-8b');
          const found = [...endpoints]
            .flatMap(([mode, list]) => list.map((e) => ({ mode, pod: e.pod, ready: e.ready })))
            .sort(byPod);
          expect(found).toEqual(pods.map((p) => ({ mode: p.mode, pod: p.name, ready: true })).sort(byPod));
        }, CONVERGE_MS);
      } finally {
        await discovery.stop();
        removeKubeconfig(kubeconfig);
      }
    },
    CONVERGE_MS * 2,
  );

  it(
    'places a tensor-parallel mode (2 GPUs per pod) only where 2 GPUs are free',
    async () => {
      const doc = exampleDoc('llama-3.1-8b-h100.yaml');
      doc.metadata.name = 'llama-tp2';
      // On the A100 node, 3 of whose 8 GPUs the A100 example holds: two pods of 2 GPUs fit in the 5 left, and the H100
      // nodes keep their GPUs for the capacity suite, which may run beside this one on the same cluster.
      doc.spec.engine.nodeSelector = { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB' };
      doc.spec.modes = [{ name: 'fp16', dtype: 'float16', gpus: 2, replicas: 2 }];
      doc.spec.routing = { defaultMode: 'fp16' };
      expect((await apply(writePolicy('tp2.yaml', doc))).code).toBe(0);
      await eventually(
        async () => expect(await policyCondition(cluster, NS, 'llama-tp2', 'Ready')).toMatchObject({ status: 'True' }),
        CONVERGE_MS,
      );
      const pods = await podsIn(cluster, NS);
      const tp = pods.filter((p) => p.policy === 'llama-tp2' && p.mode === 'fp16');
      expect(tp).toHaveLength(2);
      expect(tp.every((p) => p.limits['nvidia.com/gpu'] === '2' && p.node === 'gpu-a100-0')).toBe(true);
      // No node is promised more GPUs than it has.
      const used = new Map<string, number>();
      for (const p of pods)
        used.set(p.node as string, (used.get(p.node as string) ?? 0) + Number(p.limits['nvidia.com/gpu'] ?? 0));
      for (const [node, gpus] of used) expect({ node, over: gpus > 8 }).toEqual({ node, over: false });
      expect((await cluster.kubectl(['delete', 'imp', 'llama-tp2', '-n', NS])).code).toBe(0);
      await eventually(
        async () =>
          expect(
            (await getJson(cluster, ['deployments', '-n', NS, '-l', 'modeswitch.io/policy=llama-tp2'])).items,
          ).toEqual([]),
        CONVERGE_MS,
      );
    },
    CONVERGE_MS * 2,
  );

  it('writes nothing when it reconciles every policy again on an unchanged cluster', async () => {
    const versions = async () => {
      const list = await getJson(cluster, [
        'imp,deployments,services,configmaps,serviceaccounts,roles,rolebindings',
        '-n',
        NS,
        '-l',
        'app.kubernetes.io/managed-by=modeswitch',
      ]);
      const policies = await getJson(cluster, ['imp', '-n', NS]);
      return [...list.items, ...policies.items]
        .map((o: any) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`)
        .sort();
    };
    const before = await versions();
    const reconciles = await reconcileCount(operator);
    operator.operator.resync();
    await eventually(async () =>
      expect(await reconcileCount(operator)).toBeGreaterThanOrEqual(reconciles + examples.length),
    );
    await eventually(() => expect(operator.operator.queue.length).toBe(0));
    expect(await versions()).toEqual(before);
  });

  it(
    'undoes a hand scale of a mode Deployment',
    async () => {
      expect((await cluster.kubectl(['scale', 'deployment', 'llama-8b-fp8', '-n', NS, '--replicas=5'])).code).toBe(0);
      await eventually(async () => {
        const d = await getJson(cluster, ['deployment', 'llama-8b-fp8', '-n', NS]);
        expect(d.spec.replicas).toBe(1);
      }, CONVERGE_MS);
      await eventually(
        async () =>
          expect(await podsIn(cluster, NS, 'modeswitch.io/policy=llama-8b,modeswitch.io/mode=fp8')).toHaveLength(1),
        CONVERGE_MS,
      );
    },
    CONVERGE_MS * 2,
  );

  it(
    "deletes a removed mode's Deployment and Service, and the real controllers remove its ReplicaSets and pods",
    async () => {
      const doc = exampleDoc('llama-3.1-8b-h100.yaml');
      doc.spec.modes = doc.spec.modes.filter((m: { name: string }) => m.name !== 'fp16');
      doc.spec.routing.fallback = doc.spec.routing.fallback.filter((m: string) => m !== 'fp16');
      expect((await apply(writePolicy('no-fp16.yaml', doc))).code).toBe(0);
      const selector = 'modeswitch.io/policy=llama-8b,modeswitch.io/mode=fp16';
      await eventually(async () => {
        for (const kind of ['deployments', 'services', 'replicasets']) {
          expect({ kind, items: (await getJson(cluster, [kind, '-n', NS, '-l', selector])).items }).toEqual({
            kind,
            items: [],
          });
        }
        expect(await podsIn(cluster, NS, selector)).toEqual([]);
      }, CONVERGE_MS);
      expect(await podsIn(cluster, NS, 'modeswitch.io/policy=llama-8b,modeswitch.io/mode=fp8')).toHaveLength(1);
    },
    CONVERGE_MS * 2,
  );

  it('is refused by the real API server for a duplicate mode or a rule naming no mode, saying which field', async () => {
    const dup = exampleDoc('llama-3.1-8b-h100.yaml');
    dup.spec.modes.push({ name: 'fp8', quantization: 'fp8' });
    const refusedDup = await apply(writePolicy('dup.yaml', dup));
    expect(refusedDup.code).not.toBe(0);
    expect(refusedDup.stderr).toContain('spec.modes[4]: Duplicate value');
    const unknown = exampleDoc('llama-3.1-8b-h100.yaml');
    unknown.spec.routing.rules[0].mode = 'fp4';
    const refusedUnknown = await apply(writePolicy('unknown.yaml', unknown));
    expect(refusedUnknown.code).not.toBe(0);
    expect(refusedUnknown.stderr).toContain('every routing.rules[].mode must name a mode in spec.modes');
    // The rule's fieldPath: the list, not the whole spec.
    expect(refusedUnknown.stderr).toContain('spec.routing.rules: Invalid value');
  });

  it('marks a policy whose rule does not compile PolicyValid=False and keeps what runs', async () => {
    const before = (await podsIn(cluster, NS, 'modeswitch.io/policy=llama-8b')).map((p) => p.name).sort();
    const doc = exampleDoc('llama-3.1-8b-h100.yaml');
    doc.spec.modes = doc.spec.modes.filter((m: { name: string }) => m.name !== 'fp16');
    doc.spec.routing.fallback = ['fp8'];
    doc.spec.routing.rules = [{ name: 'typo', when: 'request.inputTokenz > 10', mode: 'fp8' }];
    expect((await apply(writePolicy('typo.yaml', doc))).code).toBe(0);
    await eventually(async () => {
      const valid = await policyCondition(cluster, NS, 'llama-8b', 'PolicyValid');
      expect(valid).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
      expect(valid.message).toContain('spec.routing.rules[0].when: request has no field "inputTokenz"');
    }, CONVERGE_MS);
    // A rule the API server accepts (it is data to it) but whose cost is unbounded: the operator refuses it.
    const list = `[${Array.from({ length: 30 }, (_, i) => i).join(', ')}]`;
    doc.spec.routing.rules = [
      { name: 'heavy', when: `${list}.all(a, ${list}.all(b, ${list}.all(c, a + b + c >= 0)))`, mode: 'fp8' },
    ];
    expect((await apply(writePolicy('heavy.yaml', doc))).code).toBe(0);
    await eventually(async () => {
      const valid = await policyCondition(cluster, NS, 'llama-8b', 'PolicyValid');
      expect(valid.message).toMatch(/spec\.routing\.rules\[0\]\.when: estimated cost [\d,]+ exceeds the limit/);
    }, CONVERGE_MS);
    expect((await podsIn(cluster, NS, 'modeswitch.io/policy=llama-8b')).map((p) => p.name).sort()).toEqual(before);
  });

  it(
    "leaves a mode no node can take not Ready, naming the scheduler's reason, with a Warning Event",
    async () => {
      const doc = exampleDoc('llama-3.1-8b-h100.yaml');
      doc.metadata.name = 'llama-big';
      doc.spec.modes = [
        { name: 'fp16', dtype: 'float16', gpus: 16 },
        { name: 'b200', quantization: 'fp8', nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-B200' } },
      ];
      doc.spec.routing = { defaultMode: 'fp16' };
      expect((await apply(writePolicy('big.yaml', doc))).code).toBe(0);
      await eventually(async () => {
        const ready = await policyCondition(cluster, NS, 'llama-big', 'Ready');
        expect(ready).toMatchObject({ status: 'False', reason: 'Unschedulable' });
        expect(ready.message).toMatch(
          /fp16 0\/1 ready, a pod cannot be scheduled: 0\/6 nodes are available: .*Insufficient nvidia.com\/gpu/,
        );
        expect(ready.message).toMatch(
          /b200 0\/1 ready, a pod cannot be scheduled: 0\/6 nodes are available: .*didn't match Pod's node affinity\/selector/,
        );
      }, CONVERGE_MS);
      await eventually(async () => {
        const events = await getJson(cluster, [
          'events',
          '-n',
          NS,
          '--field-selector',
          'involvedObject.name=llama-big,reason=Unschedulable',
        ]);
        expect(events.items.map((e: { type: string }) => e.type)).toContain('Warning');
      });
      expect((await cluster.kubectl(['delete', 'imp', 'llama-big', '-n', NS])).code).toBe(0);
    },
    CONVERGE_MS * 2,
  );

  it(
    'deletes everything the policy owns through the real garbage collector',
    async () => {
      expect((await cluster.kubectl(['delete', 'imp', 'llama-8b', '-n', NS])).code).toBe(0);
      const selector = 'modeswitch.io/policy=llama-8b';
      await eventually(async () => {
        for (const kind of [
          'deployments',
          'replicasets',
          'services',
          'configmaps',
          'serviceaccounts',
          'roles',
          'rolebindings',
        ]) {
          expect({ kind, items: (await getJson(cluster, [kind, '-n', NS, '-l', selector])).items }).toEqual({
            kind,
            items: [],
          });
        }
        expect(await podsIn(cluster, NS, selector)).toEqual([]);
      }, CONVERGE_MS);
      // The other policies keep running.
      expect(await podsIn(cluster, NS, 'modeswitch.io/policy=llama-8b-mig')).not.toEqual([]);
    },
    CONVERGE_MS * 2,
  );
});

/** Successful reconciles of an operator process, from its /metrics. */
async function reconcileCount(p: OperatorProcess): Promise<number> {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  return Number(/modeswitch_reconcile_total\{result="success"\} (\d+)/.exec(text)?.[1] ?? 0);
}
