import { main } from '../../src/cli/main.js';
import type { CommandIO } from '../../src/cli/io.js';
import { loadYamlDocuments, MAX_POLICY_FILE_BYTES } from '../../src/cli/policy-files.js';

function capture(files: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { out: (l) => out.push(l), err: (l) => err.push(l), readFile: (p) => files[p]! };
  return { io, out, err };
}

const LIST = `[${Array.from({ length: 30 }, (_, i) => i).join(', ')}]`;
const HEAVY = `${LIST}.all(a, ${LIST}.all(b, ${LIST}.all(c, a + b + c >= 0)))`;

/** A careless author's policy: schema, reference, CEL and rule errors together. */
const HOSTILE = `apiVersion: modeswitch.io/v1
kind: InferenceModePolicy
metadata: {name: llama}
spec:
  model: m
  modes:
    - {name: FP16}
    - {name: fp8, quantisation: fp8}
    - {name: fp8}
    - {name: int4, replicas: 1, minReplicas: 1, gpuMemoryUtilization: 2}
  routing:
    defaultMode: nope
    fallback: [fp8, gone]
    rules:
      - {name: to-fp4, when: "request.inputTokens > 1", mode: fp4}
      - {name: typo, when: "request.inputTokenz > 1", mode: fp8}
      - {name: heavy, when: "${HEAVY}", mode: fp8}
  router: {grpcPort: 80}
  telemetry: {interval: soon}
`;

describe('modeswitch validate: every problem in one run', () => {
  it('reports schema, reference, CEL and rule problems of a hostile policy together, each at its field', async () => {
    const { io, err } = capture({ 'hostile.yaml': HOSTILE });
    expect(await main(['validate', '-f', 'hostile.yaml'], io)).toBe(1);
    expect(err[0]).toBe('hostile.yaml: policy llama is invalid:');
    const lines = err.slice(1).map((l) => l.trim());
    const at = (path: string) => lines.filter((l) => l.startsWith(`${path}: `));
    expect(at('apiVersion')).toEqual(['apiVersion: must be modeswitch.io/v1alpha1']);
    expect(at('spec.modes[0].name')).toEqual([expect.stringContaining('must match pattern')]);
    expect(at('spec.modes[1].quantisation')).toEqual(['spec.modes[1].quantisation: unknown field']);
    expect(at('spec.modes[2]')).toEqual(['spec.modes[2]: Duplicate value: "fp8"']);
    expect(at('spec.modes[3]')).toEqual([expect.stringContaining('set either replicas or minReplicas/maxReplicas')]);
    expect(at('spec.modes[3].gpuMemoryUtilization')).toEqual([expect.stringContaining('must be <= 1')]);
    expect(at('spec.routing.defaultMode')).toEqual([expect.stringContaining('no mode "nope"')]);
    expect(at('spec.routing.fallback[1]')).toEqual([expect.stringContaining('no mode "gone"')]);
    expect(at('spec.routing.rules[0].mode')).toEqual([expect.stringContaining('no mode "fp4"')]);
    expect(at('spec.routing.rules[1].when')).toEqual([expect.stringContaining('request has no field "inputTokenz"')]);
    expect(at('spec.routing.rules[2].when')).toEqual([expect.stringContaining('exceeds the limit of 10,000')]);
    expect(at('spec.router.grpcPort')).toEqual([expect.stringContaining('must be >= 1024')]);
    expect(at('spec.telemetry.interval')).toEqual([expect.stringContaining('must match pattern')]);
    expect(at('spec.modes')).toEqual([expect.stringContaining('minReplicas and maxReplicas need spec.capacity')]);
    // Nothing is blamed on the whole spec.
    expect(at('spec')).toEqual([]);
  });

  it('reports every YAML error of a document, and of every document, with its line', async () => {
    const text = 'a: 1\na: 2\nb: c: d\ne: [unclosed\n---\nkind: x\nkind: y\n---\nspec: {c: 1, c: 2}\n';
    const { io, err } = capture({ 'broken.yaml': text });
    expect(await main(['validate', '-f', 'broken.yaml'], io)).toBe(1);
    const joined = err.join('\n');
    expect(joined).toContain('broken.yaml: document 1 is not valid YAML:');
    expect(joined).toMatch(/Map keys must be unique at line 2, column 1: a/);
    expect(joined).toMatch(/Nested mappings are not allowed in compact mappings at line 3, column 4:/);
    expect(joined).toMatch(/Flow sequence in block collection .* at line 5, column 1:/);
    expect(joined).toContain('broken.yaml: document 2 is not valid YAML:');
    expect(joined).toMatch(/Map keys must be unique at line 7, column 1: kind/);
    expect(joined).toContain('broken.yaml: document 3 is not valid YAML:');
    expect(joined).toMatch(/Map keys must be unique at line 9, column \d+: c/);
  });

  it('parses a map of 50,000 keys (no quadratic duplicate check) and reports its unknown fields, capped', async () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `  k${i}: v`).join('\n');
    const text = `apiVersion: modeswitch.io/v1alpha1\nkind: InferenceModePolicy\nmetadata: {name: wide}\nspec:\n${keys}\n`;
    const docs = loadYamlDocuments('wide.yaml', () => text);
    expect(docs).toHaveLength(1);
    expect(Object.keys((docs[0]!.value as { spec: object }).spec)).toHaveLength(50_000);
    const { io, err } = capture({ 'wide.yaml': text });
    expect(await main(['validate', '-f', 'wide.yaml'], io)).toBe(1);
    expect(err).toContain('  spec.k0: unknown field');
    expect(err[err.length - 1]).toMatch(/^ {2}\.\.\. and \d+ more$/);
  });

  it('refuses a file larger than the API server would take, without parsing it', () => {
    const text = `metadata: {name: x}\n# ${'x'.repeat(MAX_POLICY_FILE_BYTES)}\n`;
    expect(loadYamlDocuments('big.yaml', () => text)).toEqual([
      { source: 'big.yaml', index: 1, errors: [expect.stringMatching(/more than the 3145728 a policy file may have/)] },
    ]);
  });

  it('truncates a 2 MB name and a 1 MB unknown key where it echoes them (a 5 MB one is refused with the file)', async () => {
    const huge = 'n'.repeat(2_000_000);
    const key = 'k'.repeat(1_000_000);
    // An implicit YAML key is at most 1024 characters: a longer one is written as an explicit key (`? key`).
    const text = `apiVersion: modeswitch.io/v1alpha1\nkind: InferenceModePolicy\nmetadata: {name: ${huge}}\nspec:\n  ? ${key}\n  : 1\n  model: m\n  modes: [{name: a}]\n  routing: {defaultMode: a}\n`;
    const { io, err } = capture({ 'huge.yaml': text });
    expect(await main(['validate', '-f', 'huge.yaml'], io)).toBe(1);
    expect(err[0]).toMatch(/^huge\.yaml: policy n{80}… \(1999920 more characters\) is invalid:$/);
    expect(err.join('\n').length).toBeLessThan(5_000);
    expect(err).toContain(`  spec.${'k'.repeat(80)}… (999920 more characters): unknown field`);
  });
});
