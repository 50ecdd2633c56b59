import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOperator } from '../../../src/cli/operator.js';
import { createLogger } from '../../../src/observability/logger.js';
import { startOperatorProcess } from '../../../src/operator/runtime/process.js';
import type { FakeApiServer } from '../../support/fake-apiserver/index.js';
import { policyFixture } from '../policy-fixture.js';
import { eventually, startServer } from './harness.js';

describe('operator process', () => {
  let server: FakeApiServer;
  let dir: string;

  beforeAll(async () => {
    server = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'modeswitch-operator-'));
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /healthz, /readyz once synced, and /metrics with the reconcile metrics', async () => {
    server.store.create(policyFixture() as never);
    const proc = await startOperatorProcess({
      kubeconfigContent: server.kubeconfig(),
      workers: 2,
      resyncPeriodMs: 0,
      listenHost: '127.0.0.1',
      listenPort: 0,
      logger: createLogger('test', { level: 'error' }),
    });
    try {
      expect((await fetch(`${proc.url}/healthz`)).status).toBe(200);
      await eventually(async () => expect((await fetch(`${proc.url}/readyz`)).status).toBe(200));
      await eventually(async () => {
        const text = await (await fetch(`${proc.url}/metrics`)).text();
        expect(text).toMatch(/modeswitch_reconcile_total\{result="success"\} [1-9]/);
        expect(text).toContain('modeswitch_reconcile_duration_seconds_bucket');
        expect(text).toContain('modeswitch_reconcile_errors_total 0');
        expect(text).toContain('modeswitch_workqueue_depth');
        expect(text).toContain('process_cpu_user_seconds_total');
      });
    } finally {
      await proc.stop();
    }
    expect(await proc.exited).toBe(0);
    await expect(fetch(`${proc.url}/healthz`)).rejects.toThrow();
  });

  it("renders a policy's router in the operator's own image, from MODESWITCH_IMAGE as the chart sets it", async () => {
    server.store.create(policyFixture(['fp8'], 'own-image') as never);
    process.env['MODESWITCH_IMAGE'] = 'registry.example.com/ml/modeswitch:dev';
    const exit = runOperator([
      '--kubeconfig',
      server.writeKubeconfig(dir),
      '--listen',
      '127.0.0.1:0',
      '--leader-elect=false',
      '--log-level',
      'error',
    ]);
    try {
      await eventually(() =>
        expect(
          (server.store.get('apps/v1', 'Deployment', 'own-image-router', 'llm') as any)?.spec.template.spec
            .containers[0].image,
        ).toBe('registry.example.com/ml/modeswitch:dev'),
      );
    } finally {
      delete process.env['MODESWITCH_IMAGE'];
      process.emit('SIGTERM', 'SIGTERM');
    }
    expect(await exit).toBe(0);
  });

  it('rejects unknown flags with exit code 2', async () => {
    expect(await runOperator(['--no-such-flag'])).toBe(2);
    expect(await runOperator(['--workers', '0'])).toBe(2);
  });

  it('on SIGTERM releases its lease, closes its watches and exits 0', async () => {
    const kubeconfig = server.writeKubeconfig(dir);
    const exit = runOperator([
      '--kubeconfig',
      kubeconfig,
      '--listen',
      '127.0.0.1:0',
      '--lease-namespace',
      'llm',
      '--identity',
      'op-1',
      '--log-level',
      'error',
    ]);
    await eventually(() =>
      expect(
        (server.store.get('coordination.k8s.io/v1', 'Lease', 'modeswitch-operator', 'llm') as any)?.spec.holderIdentity,
      ).toBe('op-1'),
    );
    await eventually(() => expect(server.openWatches()).toBeGreaterThan(0));
    process.emit('SIGTERM', 'SIGTERM');
    expect(await exit).toBe(0);
    expect(
      (server.store.get('coordination.k8s.io/v1', 'Lease', 'modeswitch-operator', 'llm') as any).spec.holderIdentity,
    ).toBe('');
    await eventually(() => expect(server.openWatches()).toBe(0));
  });
});
