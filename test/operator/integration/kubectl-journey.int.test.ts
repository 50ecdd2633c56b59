/**
 * What a platform engineer does, with the real kubectl against the fake API server and the real operator:
 * apply the shipped example policies, watch them become Ready, fight drift, remove a mode, break a policy, delete.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Operator } from '../../../src/operator/operator.js';
import type { FakeApiServer } from '../../support/fake-apiserver/index.js';
import { runKubectl } from '../../support/kubectl.js';
import { DEFAULT_EXAMPLE, EXAMPLES_DIR } from '../../support/policies.js';
import { eventually, markDeploymentsReady, names, policy, startOperator, startServer } from './harness.js';

describe('a platform engineer using kubectl', () => {
  let server: FakeApiServer;
  let operator: Operator;
  let dir: string;
  let kubeconfig: string;

  const kubectl = async (...args: string[]) => {
    const result = await runKubectl(args, { kubeconfig });
    return result;
  };
  const applyFile = (file: string) => kubectl('apply', '--server-side', '--validate=false', '-f', file);
  const writePolicy = (name: string, doc: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, stringify(doc));
    return file;
  };

  beforeAll(async () => {
    server = await startServer();
    operator = startOperator(server);
    dir = mkdtempSync(join(tmpdir(), 'journey-'));
    kubeconfig = server.writeKubeconfig(dir);
  });

  afterAll(async () => {
    await operator.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every shipped example and gets a Deployment and Service per mode', async () => {
    const examples = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.yaml'));
    for (const file of examples) {
      const result = await applyFile(join(EXAMPLES_DIR, file));
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/inferencemodepolicy.modeswitch.io\/[a-z0-9-]+ serverside-applied/);
    }
    const expected = examples.flatMap((file) => {
      const p = parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8'));
      return [...p.spec.modes.map((m: { name: string }) => `${p.metadata.name}-${m.name}`), `${p.metadata.name}-router`];
    });
    await eventually(() => {
      expect(names(server, 'apps/v1', 'Deployment')).toEqual([...expected].sort());
      expect(names(server, 'v1', 'Service')).toEqual([...expected].sort());
    });
    const get = await kubectl('get', 'deployment', 'llama-8b-mig-int4', '-n', 'llm', '-o', 'json');
    const mig = JSON.parse(get.stdout);
    expect(mig.spec.template.spec.containers[0].resources.limits).toEqual({ 'nvidia.com/mig-3g.40gb': '1' });
    expect(mig.spec.replicas).toBe(2);
  });

  it('shows the policy Ready in kubectl once its pods are ready', async () => {
    await eventually(async () => {
      const out = await kubectl('get', 'imp', 'llama-8b', '-n', 'llm');
      expect(out.stdout).toMatch(/NAME\s+MODEL\s+DEFAULT\s+READY\s+AGE/);
      expect(out.stdout).toMatch(/llama-8b\s+meta-llama\/Llama-3.1-8B-Instruct\s+\S+\s+False/);
    });
    markDeploymentsReady(server);
    await eventually(async () => {
      const out = await kubectl('get', 'imp', 'llama-8b', '-n', 'llm', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}');
      expect(out.stdout).toBe('True');
    });
  });

  it('undoes a hand edit of a mode Deployment', async () => {
    const patched = await kubectl('patch', 'deployment', 'llama-8b-fp8', '-n', 'llm', '--type', 'merge', '-p', '{"spec":{"replicas":5}}');
    expect(patched.code).toBe(0);
    await eventually(async () => {
      const out = await kubectl('get', 'deployment', 'llama-8b-fp8', '-n', 'llm', '-o', 'jsonpath={.spec.replicas}');
      expect(out.stdout).toBe('1');
    });
  });

  it('deletes the objects of a mode removed from the policy', async () => {
    const doc = parse(readFileSync(DEFAULT_EXAMPLE, 'utf8'));
    doc.spec.modes = doc.spec.modes.filter((m: { name: string }) => m.name !== 'int4');
    doc.spec.routing.rules = doc.spec.routing.rules.filter((r: { mode: string }) => r.mode !== 'int4');
    doc.spec.routing.fallback = doc.spec.routing.fallback.filter((m: string) => m !== 'int4');
    if (doc.spec.routing.defaultMode === 'int4') doc.spec.routing.defaultMode = 'fp8';
    expect((await applyFile(writePolicy('no-int4.yaml', doc))).code).toBe(0);
    await eventually(() => {
      expect(names(server, 'apps/v1', 'Deployment')).not.toContain('llama-8b-int4');
      expect(names(server, 'v1', 'Service')).not.toContain('llama-8b-int4');
    });
    expect(names(server, 'apps/v1', 'Deployment')).toContain('llama-8b-fp8');
  });

  it('is refused by the API server for a duplicate mode or a rule naming no mode, with the field named', async () => {
    const doc = parse(readFileSync(DEFAULT_EXAMPLE, 'utf8'));
    doc.spec.modes.push({ name: 'fp8', quantization: 'fp8' });
    const dup = await applyFile(writePolicy('dup.yaml', doc));
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain('spec.modes[4]: Duplicate value');
    const doc2 = parse(readFileSync(DEFAULT_EXAMPLE, 'utf8'));
    doc2.spec.routing.rules[0].mode = 'fp4';
    const unknown = await applyFile(writePolicy('unknown-mode.yaml', doc2));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('every routing.rules[].mode must name a mode in spec.modes');
  });

  it('marks a policy with a broken rule PolicyValid=False and keeps what runs', async () => {
    const before = names(server, 'apps/v1', 'Deployment').filter((n) => n.startsWith('llama-8b-'));
    const doc = parse(readFileSync(DEFAULT_EXAMPLE, 'utf8'));
    doc.metadata.name = 'llama-8b';
    doc.spec.modes = doc.spec.modes.filter((m: { name: string }) => m.name !== 'int4');
    doc.spec.routing.rules = [{ name: 'typo', when: 'request.inputTokenz > 10', mode: 'fp8' }];
    doc.spec.routing.fallback = ['fp8'];
    if (doc.spec.routing.defaultMode === 'int4') doc.spec.routing.defaultMode = 'fp8';
    expect((await applyFile(writePolicy('typo.yaml', doc))).code).toBe(0);
    await eventually(async () => {
      const out = await kubectl('get', 'imp', 'llama-8b', '-n', 'llm', '-o', 'jsonpath={.status.conditions[?(@.type=="PolicyValid")].message}');
      expect(out.stdout).toContain('spec.routing.rules[0].when: request has no field "inputTokenz"');
    });
    expect(names(server, 'apps/v1', 'Deployment').filter((n) => n.startsWith('llama-8b-'))).toEqual(before);
    expect(policy(server, 'llama-8b').status.conditions.find((c: { type: string }) => c.type === 'PolicyValid').status).toBe('False');
  });

  it('deletes everything the policy owns when the policy is deleted', async () => {
    const result = await kubectl('delete', 'imp', 'llama-8b', '-n', 'llm');
    expect(result.code).toBe(0);
    await eventually(() => {
      for (const kind of [['apps/v1', 'Deployment'], ['v1', 'Service'], ['v1', 'ConfigMap'], ['v1', 'ServiceAccount'], ['rbac.authorization.k8s.io/v1', 'Role']]) {
        expect(names(server, kind[0]!, kind[1]!).filter((n) => n.startsWith('llama-8b-') && !n.startsWith('llama-8b-a100') && !n.startsWith('llama-8b-mig') && !n.startsWith('llama-8b-spec'))).toEqual([]);
      }
    });
    // The other policies are untouched.
    expect(names(server, 'apps/v1', 'Deployment')).toContain('llama-8b-mig-router');
  });
});
