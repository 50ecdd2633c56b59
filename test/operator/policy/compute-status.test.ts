import type { KubeObject } from '../../../src/kube/types.js';
import { invalidStatus, reconciledStatus } from '../../../src/operator/policy/compute-status.js';

const NOW = '2026-01-01T00:00:00Z';
const labels = (mode?: string) => ({ 'modeswitch.io/policy': 'p', ...(mode ? { 'modeswitch.io/mode': mode } : {}) });
const deployment = (name: string, replicas: number, mode?: string) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: labels(mode) },
    spec: { replicas },
  }) as KubeObject;
const service = (name: string, mode?: string) =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, labels: labels(mode) } }) as KubeObject;

const desired = [service('p-a', 'a'), deployment('p-a', 2, 'a'), service('p-router'), deployment('p-router', 1)];

describe('reconciledStatus', () => {
  it('lists each mode with its Service and counts ready replicas from the live Deployments', () => {
    const live = new Map([['p-a', { ...desired[1], status: { readyReplicas: 1 } } as KubeObject]]);
    const status = reconciledStatus({
      desired,
      live: (o) => (o.kind === 'Deployment' ? live.get(o.metadata.name) : undefined),
      generation: 4,
      now: NOW,
    });
    expect(status.observedGeneration).toBe(4);
    expect(status.modes).toEqual([{ name: 'a', replicas: 2, readyReplicas: 1, service: 'p-a' }]);
    expect(status.router).toEqual({ replicas: 1, readyReplicas: 0, service: 'p-router' });
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      message: 'a 1/2 ready, router 0/1 ready',
    });
    expect(status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'True',
      reason: 'RollingOut',
    });
  });

  it('is Ready and not Progressing when every replica is ready', () => {
    const status = reconciledStatus({
      desired,
      live: (o) => ({ ...o, status: { readyReplicas: 2 } }) as KubeObject,
      generation: 1,
      now: NOW,
    });
    const byType = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c.status]));
    expect(byType).toEqual({ PolicyValid: 'True', Ready: 'True', Progressing: 'False', Degraded: 'False' });
  });

  it('is not Ready while a Deployment still runs the previous spec, though its old pods are ready', () => {
    const rolling = (o: KubeObject) =>
      ({
        ...o,
        metadata: { ...o.metadata, generation: 3 },
        status: { observedGeneration: 3, replicas: 3, updatedReplicas: 1, readyReplicas: 2 },
      }) as KubeObject;
    const unseen = (o: KubeObject) =>
      ({
        ...o,
        metadata: { ...o.metadata, generation: 4 },
        status: { observedGeneration: 3, replicas: 2, updatedReplicas: 2, readyReplicas: 2 },
      }) as KubeObject;
    for (const live of [rolling, unseen]) {
      const status = reconciledStatus({ desired, live, generation: 1, now: NOW });
      expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
        status: 'False',
        reason: 'ReplicasNotReady',
      });
      expect(status.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
        status: 'True',
        message: expect.stringContaining('a 2/2 ready, rolling out'),
      });
    }
    const done = (o: KubeObject) => {
      const n = (o as unknown as { spec: { replicas: number } }).spec.replicas;
      return {
        ...o,
        metadata: { ...o.metadata, generation: 4 },
        status: { observedGeneration: 4, replicas: n, updatedReplicas: n, readyReplicas: n },
      } as KubeObject;
    };
    expect(
      reconciledStatus({ desired, live: done, generation: 1, now: NOW }).conditions?.find((c) => c.type === 'Ready')
        ?.status,
    ).toBe('True');
  });

  it("names the scheduler's reason when a mode's pod cannot be placed", () => {
    const podLabels = (mode?: string) => ({
      ...labels(mode),
      'app.kubernetes.io/component': mode ? 'engine' : 'router',
    });
    const withSelector = desired.map((o) =>
      o.kind === 'Deployment'
        ? ({
            ...o,
            metadata: { ...o.metadata, namespace: 'llm' },
            spec: { replicas: 2, selector: { matchLabels: podLabels(o.metadata.labels?.['modeswitch.io/mode']) } },
          } as KubeObject)
        : o,
    );
    const pod = (mode: string, conditions: unknown[], deleting = false) =>
      ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `p-${mode}-x`,
          namespace: 'llm',
          labels: podLabels(mode),
          ...(deleting ? { deletionTimestamp: NOW } : {}),
        },
        status: { conditions },
      }) as KubeObject;
    const reason =
      "0/5 nodes are available: 1 Insufficient nvidia.com/gpu, 4 node(s) didn't match Pod's node affinity/selector.";
    const unschedulable = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: reason };
    const status = reconciledStatus({
      desired: withSelector,
      live: () => undefined,
      pods: [pod('a', [unschedulable])],
      generation: 1,
      now: NOW,
    });
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: `a 0/2 ready, a pod cannot be scheduled: ${reason}`,
    });
    // A pod being deleted, or one merely not ready yet, says nothing about scheduling.
    for (const pods of [[pod('a', [unschedulable], true)], [pod('a', [{ type: 'PodScheduled', status: 'True' }])]]) {
      const other = reconciledStatus({ desired: withSelector, live: () => undefined, pods, generation: 1, now: NOW });
      expect(other.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ reason: 'ReplicasNotReady' });
    }
  });

  it('reports an apply error as Degraded and not Ready', () => {
    const status = reconciledStatus({
      desired,
      live: () => undefined,
      applyError: 'forbidden',
      generation: 1,
      now: NOW,
    });
    expect(status.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'ApplyFailed',
      message: 'forbidden',
    });
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ApplyFailed',
    });
  });
});

describe('invalidStatus', () => {
  it('keeps the last known modes and router and says why the spec is rejected', () => {
    const previous = reconciledStatus({ desired, live: () => undefined, generation: 1, now: NOW });
    const status = invalidStatus({ previous, generation: 2, problems: 'spec.modes[0].name: duplicate', now: NOW });
    expect(status.observedGeneration).toBe(2);
    expect(status.modes).toEqual(previous.modes);
    expect(status.conditions?.find((c) => c.type === 'PolicyValid')).toMatchObject({
      status: 'False',
      message: 'spec.modes[0].name: duplicate',
    });
  });
});
