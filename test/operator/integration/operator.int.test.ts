import type { Operator } from '../../../src/operator/operator.js';
import type { FakeApiServer } from '../../support/fake-apiserver/index.js';
import { policyFixture } from '../policy-fixture.js';
import { eventually, markDeploymentsReady, names, policy, settled, startOperator, startServer } from './harness.js';

describe('operator against the fake API server', () => {
  let server: FakeApiServer;
  let operator: Operator;

  beforeAll(async () => {
    server = await startServer();
    operator = startOperator(server);
  });

  afterAll(async () => {
    await operator.stop();
    await server.close();
  });

  it('creates the mode and router objects for an applied policy and reports status', async () => {
    server.store.create(policyFixture(['fp16', 'fp8', 'int4']) as never);
    await eventually(() => {
      expect(names(server, 'apps/v1', 'Deployment')).toEqual(['llama-fp16', 'llama-fp8', 'llama-int4', 'llama-router']);
      expect(names(server, 'v1', 'Service')).toEqual(['llama-fp16', 'llama-fp8', 'llama-int4', 'llama-router']);
      expect(policy(server).status?.observedGeneration).toBe(policy(server).metadata.generation);
    });
    const deployment = server.store.get('apps/v1', 'Deployment', 'llama-fp8', 'llm') as any;
    expect(deployment.metadata.managedFields.map((m: { manager: string }) => m.manager)).toContain('modeswitch-operator');
    expect(policy(server).status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('False');
  });

  it('reports Ready=True once the Deployments are ready', async () => {
    markDeploymentsReady(server);
    await eventually(() => {
      expect(policy(server).status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({ status: 'True' });
      expect(policy(server).status.modes.every((m: { readyReplicas: number }) => m.readyReplicas === 1)).toBe(true);
    });
  });

  it('writes nothing on a resync of an unchanged cluster', async () => {
    await settled(server);
    const before = server.requestLog.writes();
    operator.resync();
    await settled(server);
    expect(server.requestLog.writes()).toBe(before);
  });

  it('undoes a hand edit of a Deployment', async () => {
    const d = server.store.get('apps/v1', 'Deployment', 'llama-fp16', 'llm') as any;
    d.spec.replicas = 7;
    server.store.update(d);
    await eventually(() => expect((server.store.get('apps/v1', 'Deployment', 'llama-fp16', 'llm') as any).spec.replicas).toBe(1));
  });

  it('deletes the objects of a removed mode', async () => {
    const p = policy(server);
    p.spec.modes = p.spec.modes.filter((m: { name: string }) => m.name !== 'int4');
    p.spec.routing.rules = [];
    server.store.update(p);
    await eventually(() => {
      expect(names(server, 'apps/v1', 'Deployment')).toEqual(['llama-fp16', 'llama-fp8', 'llama-router']);
      expect(names(server, 'v1', 'Service')).not.toContain('llama-int4');
      expect(policy(server).status.modes.map((m: { name: string }) => m.name)).toEqual(['fp16', 'fp8']);
    });
  });

  it('reports an invalid spec without touching what runs', async () => {
    await settled(server);
    const before = server.requestLog.entries().filter((r) => r.verb === 'patch' && r.resource !== 'inferencemodepolicies/status' || r.verb === 'delete').length;
    const p = policy(server);
    p.spec.routing.rules = [{ name: 'bad', when: 'request.inputTokens <', mode: 'fp8' }];
    server.store.update(p);
    await eventually(() =>
      expect(policy(server).status.conditions.find((c: { type: string }) => c.type === 'PolicyValid')).toMatchObject({ status: 'False', reason: 'InvalidSpec' }),
    );
    await settled(server);
    const after = server.requestLog.entries().filter((r) => r.verb === 'patch' && r.resource !== 'inferencemodepolicies/status' || r.verb === 'delete').length;
    expect(after).toBe(before);
    expect(names(server, 'apps/v1', 'Deployment')).toEqual(['llama-fp16', 'llama-fp8', 'llama-router']);
  });

  it('deletes everything with the policy', async () => {
    server.store.delete('modeswitch.io/v1alpha1', 'InferenceModePolicy', 'llama', 'llm');
    await eventually(() => {
      expect(names(server, 'apps/v1', 'Deployment')).toEqual([]);
      expect(names(server, 'v1', 'ConfigMap').filter((n) => n.startsWith('llama'))).toEqual([]);
    });
  });
});
