import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '../support/eventually.js';
import { startFakeApiServer, type FakeApiServer } from '../support/fake-apiserver/index.js';
import { policyFixture } from '../operator/policy-fixture.js';
import { freePort } from './support/free-port.js';

/** The image scripts/build-image.sh builds from the Dockerfile (npm run setup runs it). */
const IMAGE = 'localhost/modeswitch:ci';
const execFileAsync = promisify(execFile);
const buildah = async (...args: string[]) => (await execFileAsync('buildah', args)).stdout.trim();

/** The operator started from the built image, as its Deployment runs it: numeric non-root user, its own image named. */
describe('the operator/router image', () => {
  let server: FakeApiServer;
  let dir: string;
  let container = '';
  let operator: ChildProcess | undefined;

  beforeAll(async () => {
    await buildah('inspect', '--type', 'image', IMAGE).catch((err: Error) => {
      throw new Error(`${IMAGE} is not built (run npm run setup as root: scripts/build-image.sh): ${err.message}`);
    });
    server = await startFakeApiServer({ bookmarkIntervalMs: 200 });
    server.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'llm' } } as never);
    dir = mkdtempSync(join(tmpdir(), 'modeswitch-image-'));
    chmodSync(dir, 0o755);
    chmodSync(server.writeKubeconfig(dir), 0o644);
    container = await buildah('from', '--pull-never', IMAGE);
  });
  afterAll(async () => {
    // buildah run leads its own process group: the signal reaches the operator inside too.
    if (operator?.pid && operator.exitCode === null) process.kill(-operator.pid, 'SIGTERM');
    if (container) await buildah('rm', container);
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("starts the operator, which serves /healthz and renders a policy's router in its own image", async () => {
    server.store.create(policyFixture(['fp8'], 'from-image') as never);
    const port = await freePort();
    operator = spawn(
      'buildah',
      [
        'run',
        '--isolation',
        'chroot',
        '--user',
        '65532:65532',
        '--env',
        `MODESWITCH_IMAGE=${IMAGE}`,
        '--volume',
        `${dir}:/kube:ro`,
        container,
        '--',
        'node',
        'dist/src/cli/main.js',
        'operator',
        '--kubeconfig',
        '/kube/kubeconfig',
        `--listen=127.0.0.1:${port}`,
        '--leader-elect=false',
        '--log-level=error',
      ],
      { detached: true, stdio: 'ignore' },
    );
    await eventually(
      async () => expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200),
      60_000,
      500,
    );
    await eventually(
      () =>
        expect(
          (server.store.get('apps/v1', 'Deployment', 'from-image-router', 'llm') as any)?.spec.template.spec
            .containers[0].image,
        ).toBe(IMAGE),
      30_000,
      200,
    );
  }, 120_000);
});
