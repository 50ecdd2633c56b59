import { validatePolicy } from '../../../src/api/v1alpha1/validation.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { KubeApiError, type KubeObject, type ObjectRef } from '../../../src/kube/types.js';
import { createLogger } from '../../../src/observability/logger.js';
import { PolicyController } from '../../../src/operator/policy/policy-controller.js';
import { renderPolicy } from '../../../src/operator/render/index.js';
import { FakeKubeClient } from '../../support/fake-kube-client.js';
import { FakeClock } from '../../kube/fake-clock.js';
import { policyFixture } from '../policy-fixture.js';

const KEY = 'llm/llama';
const POLICY_REF: ObjectRef = {
  apiVersion: 'modeswitch.io/v1alpha1',
  kind: 'InferenceModePolicy',
  namespace: 'llm',
  name: 'llama',
};
const deploymentRef = (name: string): ObjectRef => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'llm',
  name,
});

function setup(modes?: string[], edit: (p: InferenceModePolicy) => void = () => undefined) {
  const client = new FakeKubeClient();
  const clock = new FakeClock();
  const controller = new PolicyController({
    client,
    reader: client.reader,
    validate: validatePolicy,
    render: renderPolicy,
    clock,
    logger: createLogger('test', { level: 'error' }),
  });
  const policy = policyFixture(modes);
  edit(policy);
  client.seed(policy as unknown as KubeObject);
  return { client, clock, controller };
}

async function policyOf(client: FakeKubeClient): Promise<InferenceModePolicy> {
  return (await client.get(POLICY_REF)) as unknown as InferenceModePolicy;
}

async function markAllReady(client: FakeKubeClient) {
  for (const d of client.all('Deployment')) {
    const replicas = (d as unknown as { spec: { replicas: number } }).spec.replicas;
    client.setStatus(deploymentRef(d.metadata.name), { replicas, readyReplicas: replicas });
  }
}

describe('PolicyController.processItem', () => {
  it('creates a Deployment and Service per mode plus the router objects, owned by the policy', async () => {
    const { client, controller } = setup();
    const outcome = await controller.processItem(KEY);
    expect(outcome.outcome).toBe('reconciled');
    const names = (kind: string) =>
      client
        .all(kind)
        .map((o) => o.metadata.name)
        .sort();
    expect(names('Deployment')).toEqual(['llama-fp16', 'llama-fp8', 'llama-router']);
    expect(names('Service')).toEqual(['llama-fp16', 'llama-fp8', 'llama-router']);
    expect(names('ConfigMap')).toEqual(['llama-router']);
    const policy = await policyOf(client);
    for (const obj of client.all().filter((o) => o.kind !== 'InferenceModePolicy')) {
      expect(obj.metadata.ownerReferences).toEqual([
        expect.objectContaining({ uid: policy.metadata.uid, controller: true }),
      ]);
    }
    expect(client.writes().every((a) => a.verb === 'apply' && a.fieldManager === 'modeswitch-operator')).toBe(true);
  });

  it('creates an autoscaled mode at its floor, not the API server default of 1, and leaves its replicas alone after', async () => {
    const { client, controller } = setup(['fp16', 'fp8', 'int4'], (p) => {
      p.spec.capacity = { maxGpus: 4 };
      p.spec.modes[0]!.replicas = 1;
      p.spec.modes[1]!.minReplicas = 1;
    });
    await controller.processItem(KEY);
    const replicas = (name: string) =>
      (client.all('Deployment').find((d) => d.metadata.name === name) as unknown as { spec: { replicas?: number } })
        .spec.replicas;
    expect({ fp16: replicas('llama-fp16'), fp8: replicas('llama-fp8'), int4: replicas('llama-int4') }).toEqual({
      fp16: 1,
      fp8: 1,
      int4: 0,
    });
    // The capacity controller scales it; a resync of the policy does not write replicas back.
    client.edit(deploymentRef('llama-int4'), (d) => {
      (d['spec'] as { replicas: number }).replicas = 2;
    });
    expect((await controller.processItem(KEY)).applied).toBe(0);
    expect(replicas('llama-int4')).toBe(2);
  });

  it('issues zero writes when run again on an unchanged cluster', async () => {
    const { client, controller } = setup();
    await controller.processItem(KEY);
    await controller.processItem(KEY);
    const before = client.actions.length;
    const eventsBefore = client.events.length;
    const outcome = await controller.processItem(KEY);
    expect(outcome).toEqual({ outcome: 'reconciled', applied: 0, pruned: 0, statusWritten: false });
    expect(client.actions.length).toBe(before);
    expect(client.events.length).toBe(eventsBefore);
  });

  it('undoes a hand edit of a Deployment and touches nothing else', async () => {
    const { client, controller } = setup();
    await controller.processItem(KEY);
    client.edit(deploymentRef('llama-fp8'), (d) => ((d['spec'] as { replicas: number }).replicas = 5));
    const before = client.writes().length;
    await controller.processItem(KEY);
    expect(client.writes().slice(before)).toEqual([
      expect.objectContaining({ verb: 'apply', kind: 'Deployment', name: 'llama-fp8' }),
    ]);
    expect(
      ((await client.get(deploymentRef('llama-fp8'))) as unknown as { spec: { replicas: number } }).spec.replicas,
    ).toBe(1);
  });

  it('deletes the objects of a mode removed from the spec', async () => {
    const { client, controller } = setup(['fp16', 'fp8', 'int4']);
    await controller.processItem(KEY);
    client.edit(POLICY_REF, (p) => {
      const spec = p['spec'] as InferenceModePolicy['spec'];
      spec.modes = spec.modes.filter((m) => m.name !== 'int4');
      spec.routing.rules = [];
    });
    const outcome = await controller.processItem(KEY);
    expect(outcome.pruned).toBe(2);
    expect(
      client
        .all('Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['llama-fp16', 'llama-fp8', 'llama-router']);
    expect(client.all('Service').map((d) => d.metadata.name)).not.toContain('llama-int4');
    expect(client.events.filter((e) => e.reason === 'Pruned')).toHaveLength(2);
    expect((await policyOf(client)).status?.modes?.map((m) => m.name)).toEqual(['fp16', 'fp8']);
  });

  it('re-applies an object when a field is removed from the spec, though the live object still has it', async () => {
    const { client, controller } = setup();
    client.edit(
      POLICY_REF,
      (p) =>
        ((p['spec'] as InferenceModePolicy['spec']).engine = {
          nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
        }),
    );
    await controller.processItem(KEY);
    client.edit(POLICY_REF, (p) => delete (p['spec'] as InferenceModePolicy['spec']).engine);
    const before = client.writes().length;
    await controller.processItem(KEY);
    const applied = client
      .writes()
      .slice(before)
      .map((a) => `${a.kind}/${a.name}`);
    expect(applied).toEqual(['Deployment/llama-fp16', 'Deployment/llama-fp8']);
  });

  it('reports modes a failed apply pass did not reach as the cluster shows them', async () => {
    const { client, controller } = setup();
    await controller.processItem(KEY);
    await markAllReady(client);
    // A change to every mode, and the very first apply of the pass fails.
    client.edit(
      POLICY_REF,
      (p) => ((p['spec'] as InferenceModePolicy['spec']).engine = { extraArgs: ['--enforce-eager'] }),
    );
    client.failNextWrites.push(new KubeApiError('etcd timeout', 500));
    await expect(controller.processItem(KEY)).rejects.toThrow('etcd timeout');
    const status = (await policyOf(client)).status;
    expect(status?.modes?.map((m) => [m.name, m.readyReplicas])).toEqual([
      ['fp16', 1],
      ['fp8', 1],
    ]);
  });

  it('refuses to take over an object another policy controls (a name clash) and says which', async () => {
    const { client, controller } = setup();
    client.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'llama-fp8',
        namespace: 'llm',
        ownerReferences: [
          {
            apiVersion: 'modeswitch.io/v1alpha1',
            kind: 'InferenceModePolicy',
            name: 'llama-fp',
            uid: 'other-uid',
            controller: true,
          },
        ],
      },
      spec: { replicas: 3 },
    } as unknown as KubeObject);
    await expect(controller.processItem(KEY)).rejects.toThrow(
      'Deployment llama-fp8 belongs to InferenceModePolicy llama-fp',
    );
    const stolen = (await client.get(deploymentRef('llama-fp8'))) as unknown as { spec: { replicas: number } };
    expect(stolen.spec.replicas).toBe(3);
    expect((await policyOf(client)).status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'ApplyFailed',
    });
  });

  it('leaves objects of other owners alone when pruning', async () => {
    const { client, controller } = setup();
    await controller.processItem(KEY);
    client.seed({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'someone-elses',
        namespace: 'llm',
        labels: { 'app.kubernetes.io/managed-by': 'modeswitch', 'modeswitch.io/policy': 'llama' },
      },
    });
    await controller.processItem(KEY);
    expect(client.all('ConfigMap').map((c) => c.metadata.name)).toContain('someone-elses');
  });

  it('reports an invalid spec in PolicyValid=False with an event, and deletes or changes nothing', async () => {
    const { client, controller } = setup();
    await controller.processItem(KEY);
    const before = client.writes().length;
    client.edit(POLICY_REF, (p) => {
      const spec = p['spec'] as InferenceModePolicy['spec'];
      spec.modes = [{ name: 'fp16' }];
      spec.routing.rules = [{ name: 'bad', when: 'request.inputTokens <', mode: 'fp8' }];
    });
    const outcome = await controller.processItem(KEY);
    expect(outcome.outcome).toBe('invalid');
    expect(client.writes().length).toBe(before);
    expect(client.all('Deployment')).toHaveLength(3);
    const valid = (await policyOf(client)).status?.conditions?.find((c) => c.type === 'PolicyValid');
    expect(valid).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(valid?.message).toContain('routing.rules');
    expect(client.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'InvalidSpec' }));
    await controller.processItem(KEY);
    expect(client.events.filter((e) => e.reason === 'InvalidSpec')).toHaveLength(1);
  });

  it('refuses a rule of nested comprehensions by its estimated cost, without evaluating it, and keeps what runs', async () => {
    const { client, controller } = setup();
    await controller.processItem(KEY);
    const before = client.writes().length;
    const list = `[${Array.from({ length: 30 }, (_, i) => i).join(', ')}]`;
    // Five levels over 30 items: 24 million iterations, 45 s for validate before the cost bound.
    let when = 'request.inputTokens >= 0';
    for (let i = 0; i < 5; i++) when = `${list}.all(a${i}, a${i} >= 0 && ${when})`;
    client.edit(POLICY_REF, (p) => {
      (p['spec'] as InferenceModePolicy['spec']).routing.rules = [{ name: 'heavy', when, mode: 'fp8' }];
    });
    expect((await controller.processItem(KEY)).outcome).toBe('invalid');
    expect(client.writes().length).toBe(before);
    const valid = (await policyOf(client)).status?.conditions?.find((c) => c.type === 'PolicyValid');
    expect(valid?.message).toMatch(
      /^spec\.routing\.rules\[0\]\.when: estimated cost [\d,]+ exceeds the limit of 10,000 per evaluation/,
    );
  });

  it('applies a spec on an image it cannot check against a vLLM release, and says so in PolicyValid', async () => {
    const { client, controller } = setup();
    client.edit(POLICY_REF, (p) => {
      (p['spec'] as InferenceModePolicy['spec']).engine = { image: 'registry.example.com/vllm:custom' };
    });
    expect((await controller.processItem(KEY)).outcome).toBe('reconciled');
    const valid = (await policyOf(client)).status?.conditions?.find((c) => c.type === 'PolicyValid');
    expect(valid).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(valid?.message).toContain(
      'the spec is valid; not checked: spec.engine.image: image registry.example.com/vllm:custom does not say which vLLM release it runs',
    );
  });

  it('reports Ready=False while replicas start, then Ready=True with per-mode status once they are ready', async () => {
    const { client, clock, controller } = setup();
    await controller.processItem(KEY);
    let policy = await policyOf(client);
    expect(policy.status?.observedGeneration).toBe(policy.metadata.generation);
    const ready = () => policy.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready()).toMatchObject({ status: 'False', reason: 'ReplicasNotReady' });
    expect(policy.status?.modes).toEqual([
      { name: 'fp16', replicas: 1, readyReplicas: 0, service: 'llama-fp16' },
      { name: 'fp8', replicas: 1, readyReplicas: 0, service: 'llama-fp8' },
    ]);
    const notReadySince = ready()?.lastTransitionTime;
    await clock.advance(60_000);
    await controller.processItem(KEY);
    policy = await policyOf(client);
    expect(ready()?.lastTransitionTime).toBe(notReadySince);

    await markAllReady(client);
    await controller.processItem(KEY);
    policy = await policyOf(client);
    expect(ready()).toMatchObject({ status: 'True', reason: 'AllReplicasReady' });
    expect(ready()?.lastTransitionTime).not.toBe(notReadySince);
    expect(policy.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'Complete',
    });
    expect(policy.status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ status: 'False' });
    expect(policy.status?.router).toEqual({ replicas: 2, readyReplicas: 2, service: 'llama-router' });
    expect(client.events).toContainEqual(expect.objectContaining({ type: 'Normal', reason: 'Ready' }));
  });

  it("names the scheduler's reason for a mode pod it cannot place in Ready, with one Warning event", async () => {
    const { client, controller } = setup();
    await controller.processItem(KEY);
    const reason = '0/5 nodes are available: 3 Insufficient nvidia.com/gpu, 2 node(s) had untolerated taint.';
    client.seed({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'llama-fp8-5d9c-x',
        namespace: 'llm',
        labels: {
          'app.kubernetes.io/name': 'modeswitch',
          'app.kubernetes.io/instance': 'llama',
          'app.kubernetes.io/component': 'engine',
          'modeswitch.io/policy': 'llama',
          'modeswitch.io/mode': 'fp8',
          'app.kubernetes.io/managed-by': 'modeswitch',
        },
      },
      status: { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: reason }] },
    } as unknown as KubeObject);
    await controller.processItem(KEY);
    await controller.processItem(KEY);
    const ready = (await policyOf(client)).status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: `fp8 0/1 ready, a pod cannot be scheduled: ${reason}`,
    });
    expect(client.events.filter((e) => e.reason === 'Unschedulable')).toEqual([
      expect.objectContaining({ type: 'Warning', message: ready?.message }),
    ]);
  });

  it('reports a failing Deployment as Degraded', async () => {
    const { client, controller } = setup();
    await controller.processItem(KEY);
    client.setStatus(deploymentRef('llama-fp8'), {
      conditions: [
        { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota: nvidia.com/gpu' },
      ],
    });
    await controller.processItem(KEY);
    const degraded = (await policyOf(client)).status?.conditions?.find((c) => c.type === 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: 'DeploymentFailing' });
    expect(degraded?.message).toContain('fp8: exceeded quota');
  });

  it('reports an apply failure as Degraded and fails so the key is retried', async () => {
    const { client, controller } = setup();
    client.failNextWrites.push(new KubeApiError('admission webhook denied the request', 500));
    await expect(controller.processItem(KEY)).rejects.toThrow('admission webhook denied');
    const degraded = (await policyOf(client)).status?.conditions?.find((c) => c.type === 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: 'ApplyFailed' });
    await controller.processItem(KEY);
    expect((await policyOf(client)).status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'False',
    });
  });

  it('does nothing for a policy that is gone', async () => {
    const { client, controller } = setup();
    await controller.processItem(KEY);
    await client.delete(POLICY_REF);
    const before = client.actions.length;
    expect((await controller.processItem(KEY)).outcome).toBe('gone');
    expect(client.actions.length).toBe(before);
    expect(client.all('Deployment')).toHaveLength(0);
  });
});
