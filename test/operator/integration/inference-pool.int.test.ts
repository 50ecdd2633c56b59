import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../../src/api/repo-root.js';
import { createLogger } from '../../../src/observability/logger.js';
import { startOperatorProcess, type OperatorProcess } from '../../../src/operator/runtime/process.js';
import { startFakeApiServer, type FakeApiServer } from '../../support/fake-apiserver/index.js';
import { policyFixture } from '../policy-fixture.js';
import { eventually, names } from './harness.js';

/** A fake API server that serves ModeSwitch's CRD and, when asked, the published Gateway API (Inference Extension) CRDs. */
async function serverWith(gatewayCrds: boolean): Promise<{ server: FakeApiServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'modeswitch-crds-'));
  const from = [
    join(repoRoot(), 'crds'),
    ...(gatewayCrds ? [join(repoRoot(), 'test', 'fixtures', 'gateway-api')] : []),
  ];
  for (const d of from)
    for (const f of readdirSync(d).filter((x) => x.endsWith('.yaml'))) copyFileSync(join(d, f), join(dir, f));
  const server = await startFakeApiServer({ crdDir: dir, bookmarkIntervalMs: 200 });
  server.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'llm' } } as never);
  return { server, dir };
}

function poolPolicy() {
  const p = policyFixture();
  p.spec.inferencePool = { enabled: true, gateway: { name: 'inference-gateway' } };
  return p;
}

const start = (server: FakeApiServer) =>
  startOperatorProcess({
    kubeconfigContent: server.kubeconfig(),
    workers: 2,
    resyncPeriodMs: 0,
    listenHost: '127.0.0.1',
    listenPort: 0,
    logger: createLogger('test', { level: 'error' }),
  });

describe('the operator with the Gateway API Inference Extension', () => {
  let server: FakeApiServer | undefined;
  let dir = '';
  let proc: OperatorProcess | undefined;

  afterEach(async () => {
    await proc?.stop();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    proc = undefined;
    server = undefined;
  });

  it('applies the InferencePool and HTTPRoute the API server accepts, and prunes them when the policy drops the pool', async () => {
    ({ server, dir } = await serverWith(true));
    server.store.create(poolPolicy() as never);
    proc = await start(server);
    await eventually(() =>
      expect(names(server!, 'inference.networking.k8s.io/v1', 'InferencePool')).toEqual(['llama']),
    );
    await eventually(() => expect(names(server!, 'gateway.networking.k8s.io/v1', 'HTTPRoute')).toEqual(['llama']));
    const pool = server.store.get('inference.networking.k8s.io/v1', 'InferencePool', 'llama', 'llm') as any;
    expect(pool.spec.endpointPickerRef).toMatchObject({ name: 'llama-router', port: { number: 9002 } });
    const policy = server.store.get('modeswitch.io/v1alpha1', 'InferenceModePolicy', 'llama', 'llm') as any;
    delete policy.spec.inferencePool;
    server.store.update(policy);
    await eventually(() => expect(names(server!, 'inference.networking.k8s.io/v1', 'InferencePool')).toEqual([]));
    await eventually(() => expect(names(server!, 'gateway.networking.k8s.io/v1', 'HTTPRoute')).toEqual([]));
    expect(names(server, 'apps/v1', 'Deployment')).toEqual(['llama-fp16', 'llama-fp8', 'llama-router']);
  });

  it('reconciles the rest of the policy where the CRDs are missing, and says so in an Event', async () => {
    ({ server, dir } = await serverWith(false));
    server.store.create(poolPolicy() as never);
    proc = await start(server);
    await eventually(() =>
      expect(names(server!, 'apps/v1', 'Deployment')).toEqual(['llama-fp16', 'llama-fp8', 'llama-router']),
    );
    await eventually(() => {
      const events = server!.store
        .list('events.k8s.io/v1', 'Event', 'llm')
        .concat(server!.store.list('v1', 'Event', 'llm')) as any[];
      expect(events.map((e) => e.reason)).toContain('CrdMissing');
    });
  });
});
