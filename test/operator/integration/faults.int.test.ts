import type { Operator } from '../../../src/operator/runtime/operator.js';
import type { FakeApiServer } from '../../support/fake-apiserver/index.js';
import { policyFixture } from '../policy-fixture.js';
import { eventually, markDeploymentsReady, names, policy, settled, startOperator, startServer } from './harness.js';

const ALL = ['llama-fp16', 'llama-fp8', 'llama-router'];

describe('operator under API server faults', () => {
  let server: FakeApiServer;
  let operator: Operator;

  beforeEach(async () => {
    server = await startServer();
    operator = startOperator(server);
    await eventually(() => expect(operator.hasSynced()).toBe(true));
  });

  afterEach(async () => {
    await operator.stop();
    await server.close();
  });

  function appliesPerObject(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of server.requestLog.entries({ verb: 'patch' })) {
      if (r.status >= 300 || r.resource?.endsWith('/status')) continue;
      counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
    }
    return counts;
  }

  it('converges through 500s and 409s on apply, writing each object once successfully', async () => {
    server.faults.failNext({ verb: 'patch', resource: 'deployments.apps', status: 500, times: 2 });
    server.faults.failNext({ verb: 'patch', resource: 'services', status: 409, times: 1 });
    server.store.create(policyFixture() as never);
    await eventually(() => expect(names(server, 'apps/v1', 'Deployment')).toEqual(ALL));
    await settled(server);
    expect([...appliesPerObject().values()].every((n) => n === 1)).toBe(true);
    expect(appliesPerObject().size).toBe(10);
  });

  it('keeps watching after dropped watches and a compacted event log (410), missing no change', async () => {
    server.store.create(policyFixture() as never);
    await eventually(() => expect(names(server, 'apps/v1', 'Deployment')).toEqual(ALL));
    await settled(server);

    server.faults.dropWatches();
    markDeploymentsReady(server);
    await eventually(() =>
      expect(policy(server).status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True'),
    );

    // Changes made while no watch is open, then history compacted: only a relist can find them.
    server.faults.failNext({ verb: 'watch', status: 500, times: 3 });
    server.faults.dropWatches();
    const d = server.store.get('apps/v1', 'Deployment', 'llama-fp8', 'llm') as any;
    d.spec.replicas = 9;
    server.store.update(d);
    server.faults.compact();
    await eventually(() =>
      expect((server.store.get('apps/v1', 'Deployment', 'llama-fp8', 'llm') as any).spec.replicas).toBe(1),
    );
    await settled(server);
    const counts = appliesPerObject();
    expect(counts.get('/apis/apps/v1/namespaces/llm/deployments/llama-fp8')).toBe(2);
    expect([...counts.entries()].filter(([path]) => !path.endsWith('/llama-fp8')).every(([, n]) => n === 1)).toBe(true);
  });

  it('retries a failed status write until the status shows', async () => {
    server.faults.failNext({ verb: 'patch', resource: 'inferencemodepolicies/status', status: 500, times: 2 });
    server.store.create(policyFixture() as never);
    await eventually(() => expect(policy(server).status?.observedGeneration).toBe(1));
  });
});
