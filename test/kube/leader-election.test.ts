import { PassThrough } from 'node:stream';
import { LeaderElector } from '../../src/kube/leader-election.js';
import { KubeApiError, type KubeClient, type ObjectRef } from '../../src/kube/types.js';
import { createLogger } from '../../src/observability/logger.js';
import { FakeKubeClient } from '../support/fake-kube-client.js';
import { FakeClock } from './fake-clock.js';

const LEASE: ObjectRef = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  namespace: 'ops',
  name: 'modeswitch-operator',
};
// Expected errors (lost leases) are swallowed rather than printed.
const logger = createLogger('test', { stream: new PassThrough() });

/** A candidate's own view of the API server, which the test can cut off. */
function partitionable(client: FakeKubeClient): {
  client: KubeClient;
  cut: (down: boolean) => void;
  hang: (hung: boolean) => void;
} {
  let down = false;
  let hung = false;
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A) =>
      hung
        ? new Promise<R>(() => undefined)
        : down
          ? Promise.reject(new KubeApiError('connection refused', 0))
          : fn(...args);
  return {
    cut: (d) => (down = d),
    hang: (h) => (hung = h),
    client: {
      get: guard((ref) => client.get(ref)),
      list: guard((q) => client.list(q)),
      apply: guard((o, opts) => client.apply(o, opts)),
      patchStatus: guard((r, s) => client.patchStatus(r, s)),
      create: guard((o) => client.create(o)),
      replace: guard((o) => client.replace(o)),
      delete: guard((r) => client.delete(r)),
      createEvent: guard((e) => client.createEvent(e)),
    } as KubeClient,
  };
}

function candidate(identity: string, client: KubeClient, clock: FakeClock) {
  const log: string[] = [];
  const elector = new LeaderElector({
    client,
    namespace: 'ops',
    name: 'modeswitch-operator',
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    clock,
    logger,
    onStartedLeading: () => log.push('started'),
    onStoppedLeading: () => log.push('stopped'),
  });
  return { elector, log };
}

async function holder(client: FakeKubeClient) {
  return ((await client.get(LEASE)) as unknown as { spec: { holderIdentity: string; leaseTransitions: number } }).spec;
}

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead, and the other stays on standby', async () => {
    const store = new FakeKubeClient();
    const clock = new FakeClock();
    const a = candidate('a', store, clock);
    const b = candidate('b', store, clock);
    a.elector.start();
    b.elector.start();
    await clock.advance(30_000);
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    const leader = a.elector.isLeader() ? 'a' : 'b';
    expect((await holder(store)).holderIdentity).toBe(leader);
    expect(b.elector.leader()).toBe(leader);
    await a.elector.stop();
    await b.elector.stop();
  });

  it('hands over promptly when the leader stops and releases the lease', async () => {
    const store = new FakeKubeClient();
    const clock = new FakeClock();
    const a = candidate('a', store, clock);
    a.elector.start();
    await clock.advance(1);
    const b = candidate('b', store, clock);
    b.elector.start();
    await clock.advance(5_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);

    await a.elector.stop();
    expect(a.log).toEqual(['started', 'stopped']);
    await clock.advance(3_000); // one retry period, far less than the 15 s lease
    expect(b.elector.isLeader()).toBe(true);
    expect(await holder(store)).toMatchObject({ holderIdentity: 'b' });
    await b.elector.stop();
  });

  it('gives up leadership after the renew deadline when cut off, and a standby takes over once the lease expires', async () => {
    const store = new FakeKubeClient();
    const clock = new FakeClock();
    const netA = partitionable(store);
    const a = candidate('a', netA.client, clock);
    a.elector.start();
    await clock.advance(1);
    const b = candidate('b', store, clock);
    b.elector.start();
    await clock.advance(4_000);
    expect(a.elector.isLeader()).toBe(true);

    netA.cut(true);
    await clock.advance(8_000);
    expect(a.elector.isLeader()).toBe(true); // still within the renew deadline
    expect(b.elector.isLeader()).toBe(false);
    await clock.advance(4_000);
    expect(a.log).toEqual(['started', 'stopped']);
    // b must not take over before the lease (15 s from a's last renewal, as b observed it) runs out.
    expect(b.elector.isLeader()).toBe(false);
    await clock.advance(6_000);
    expect(b.elector.isLeader()).toBe(true);
    expect(await holder(store)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await a.elector.stop();
    await b.elector.stop();
  });

  it('gives up leadership after the renew deadline when a lease call hangs instead of failing', async () => {
    const store = new FakeKubeClient();
    const clock = new FakeClock();
    const net = partitionable(store);
    const a = candidate('a', net.client, clock);
    a.elector.start();
    await clock.advance(1);
    expect(a.elector.isLeader()).toBe(true);
    net.hang(true);
    await clock.advance(9_000);
    expect(a.elector.isLeader()).toBe(true);
    await clock.advance(4_000);
    expect(a.log).toEqual(['started', 'stopped']);
    net.hang(false);
    await a.elector.stop();
  });

  it('never lets a candidate lead on a stale lease write', async () => {
    const store = new FakeKubeClient();
    const clock = new FakeClock();
    const a = candidate('a', store, clock);
    a.elector.start();
    await clock.advance(1);
    // Someone else renews between a's read and write: a's conditional replace must fail.
    const original = store.replace.bind(store);
    let otherWrites = 0;
    store.replace = async (obj) => {
      store.edit(LEASE, (l) => ((l['spec'] as { renewTime: string }).renewTime = `other-${++otherWrites}`));
      return original(obj);
    };
    await clock.advance(2_500);
    await clock.advance(10_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.log).toEqual(['started', 'stopped']);
    await a.elector.stop();
  });
});
