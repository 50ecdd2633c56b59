import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runKubectl } from '../kubectl.js';
import { startFakeApiServer, type FakeApiServer } from './index.js';

const CRD_FILE = fileURLToPath(new URL('./fixtures/modeswitch.io_inferencemodepolicies.yaml', import.meta.url));

const POLICY = `apiVersion: modeswitch.io/v1alpha1
kind: InferenceModePolicy
metadata: {name: llama, namespace: default}
spec:
  model: meta-llama/Llama-3.1-8B-Instruct
  modes: [{name: fp16}, {name: fp8, quantization: fp8}]
  routing: {defaultMode: fp8}
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
`;

// The real kubectl 1.32 against the fake server: discovery (plain, not aggregated), no OpenAPI (404, fine with
// --validate=false), server-side apply, short names, delete with its wait-for-deletion.
describe('fake API server with the real kubectl', () => {
  let server: FakeApiServer;
  let dir: string;
  let kubeconfig: string;
  const kubectl = (args: string[], stdin?: string) =>
    runKubectl(args, { kubeconfig, ...(stdin === undefined ? {} : { stdin }) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fake-apiserver-kubectl-'));
    // No CRDs at start: the test installs the CRD with kubectl, as a Helm chart user would.
    server = await startFakeApiServer({ crdDir: dir });
    kubeconfig = server.writeKubeconfig(dir);
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a CRD, then a custom resource and a Deployment server-side, and lists them by short name', async () => {
    const crd = await kubectl(
      ['apply', '--server-side', '--validate=false', '-f', '-'],
      readFileSync(CRD_FILE, 'utf8'),
    );
    expect(crd).toMatchObject({
      code: 0,
      stdout: 'customresourcedefinition.apiextensions.k8s.io/inferencemodepolicies.modeswitch.io serverside-applied\n',
    });

    const applied = await kubectl(
      ['apply', '--server-side', '--validate=false', '-f', '-'],
      `${POLICY}---\n${DEPLOYMENT}`,
    );
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe(
      'inferencemodepolicy.modeswitch.io/llama serverside-applied\ndeployment.apps/web serverside-applied\n',
    );

    const listed = await kubectl(['get', 'imp']);
    expect(listed.code).toBe(0);
    // Server-side printing: the CRD's additionalPrinterColumns come back as a Table.
    expect(listed.stdout).toMatch(/^NAME\s+MODEL\s+AGE\nllama\s+meta-llama\/Llama-3\.1-8B-Instruct\s+\d+s\n$/);

    const json = await kubectl(['get', 'imp', 'llama', '-o', 'json', '--show-managed-fields']);
    const object = JSON.parse(json.stdout) as {
      spec: { modes: { name: string; replicas: number }[] };
      metadata: { managedFields: { manager: string; operation: string }[] };
    };
    expect(object.spec.modes.map((m) => [m.name, m.replicas])).toEqual([
      ['fp16', 1],
      ['fp8', 1],
    ]);
    expect(object.metadata.managedFields.map((m) => [m.manager, m.operation])).toEqual([['kubectl', 'Apply']]);

    expect(server.store.get('apps/v1', 'Deployment', 'web', 'default')?.metadata.generation).toBe(1);
    const patches = server.requestLog.entries({ verb: 'patch' });
    expect(patches.map((r) => r.contentType)).toEqual([
      'application/apply-patch+yaml',
      'application/apply-patch+yaml',
      'application/apply-patch+yaml',
    ]);
  });

  it('shows the API server validation message for an invalid policy', async () => {
    const invalid = await kubectl(
      ['apply', '--server-side', '--validate=false', '-f', '-'],
      POLICY.replace('defaultMode: fp8', 'defaultMode: int4'),
    );
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain(
      'The InferenceModePolicy "llama" is invalid: spec.routing.defaultMode: Invalid value: "object": routing.defaultMode must name one of spec.modes',
    );
  });

  it('deletes objects and waits for them to be gone', async () => {
    const deleted = await kubectl(['delete', 'imp', 'llama']);
    expect(deleted).toMatchObject({ code: 0, stdout: 'inferencemodepolicy.modeswitch.io "llama" deleted\n' });
    const gone = await kubectl(['get', 'imp', 'llama']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('inferencemodepolicies.modeswitch.io "llama" not found');
    expect((await kubectl(['delete', 'deployment', 'web'])).code).toBe(0);
    expect(server.store.count('apps/v1', 'Deployment')).toBe(0);
  });
});
