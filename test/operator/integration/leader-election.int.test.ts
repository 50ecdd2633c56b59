import type { Operator } from '../../../src/operator/operator.js';
import type { FakeApiServer } from '../../support/fake-apiserver/index.js';
import { policyFixture } from '../policy-fixture.js';
import { eventually, names, settled, startOperator, startServer } from './harness.js';

const election = (identity: string) => ({ namespace: 'llm', name: 'modeswitch-operator', identity, leaseDurationMs: 8000, renewDeadlineMs: 6000, retryPeriodMs: 250 });

describe('two operator instances with leader election', () => {
  let server: FakeApiServer;
  let a: Operator;
  let b: Operator;

  beforeAll(async () => {
    server = await startServer();
    a = startOperator(server, election('operator-a'));
    await eventually(() => expect(a.isLeader()).toBe(true));
    b = startOperator(server, election('operator-b'));
    await eventually(() => expect(b.isReady()).toBe(true));
  });

  afterAll(async () => {
    await a.stop();
    await b.stop();
    await server.close();
  });

  it('lets only the leader write, and hands over when the leader stops', async () => {
    expect(b.isLeader()).toBe(false);
    server.store.create(policyFixture() as never);
    await eventually(() => expect(names(server, 'apps/v1', 'Deployment')).toHaveLength(3));
    await settled(server);
    // Only one instance applied: each object was written exactly once.
    const applies = server.requestLog.entries({ verb: 'patch' }).filter((r) => !r.resource?.endsWith('/status'));
    expect(applies).toHaveLength(10);

    await a.stop();
    await eventually(() => expect(b.isLeader()).toBe(true));
    const lease = server.store.get('coordination.k8s.io/v1', 'Lease', 'modeswitch-operator', 'llm') as any;
    expect(lease.spec).toMatchObject({ holderIdentity: 'operator-b', leaseTransitions: 0 });
    const d = server.store.get('apps/v1', 'Deployment', 'llama-fp8', 'llm') as any;
    d.spec.replicas = 4;
    server.store.update(d);
    await eventually(() => expect((server.store.get('apps/v1', 'Deployment', 'llama-fp8', 'llm') as any).spec.replicas).toBe(1));
  });

  it('stops a standby at once on SIGTERM, though its informers queued every policy', async () => {
    const standby = startOperator(server, election('operator-c'));
    await eventually(() => expect(standby.isReady()).toBe(true));
    expect(standby.isLeader()).toBe(false);
    const stopped = await Promise.race([standby.stop().then(() => 'stopped'), new Promise((r) => setTimeout(() => r('hung'), 3000))]);
    expect(stopped).toBe('stopped');
  });
});
