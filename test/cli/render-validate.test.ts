import { parseAllDocuments } from 'yaml';
import { main } from '../../src/cli/main.js';
import type { CommandIO } from '../../src/cli/io.js';
import { PINNED_VLLM } from '../../src/api/v1alpha1/vllm-cli.js';
import { DEFAULT_EXAMPLE, EXAMPLES_DIR } from '../support/policies.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function capture(files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readFile: (p) => files[p] ?? readFileSync(p, 'utf8'),
  };
  return { io, out, err };
}

const BAD = `apiVersion: modeswitch.io/v1alpha1
kind: InferenceModePolicy
metadata: {name: bad}
spec:
  model: m
  modes: [{name: a}, {name: a}]
  routing:
    defaultMode: b
    rules: [{name: r, when: "request.inputTokenz > 1", mode: a}]
`;

describe('modeswitch render', () => {
  it('prints the objects of a policy as YAML documents', async () => {
    const { io, out } = capture();
    expect(await main(['render', '-f', DEFAULT_EXAMPLE], io)).toBe(0);
    const docs = parseAllDocuments(out.join('\n')).map((d) => d.toJS());
    expect(docs).toHaveLength(14);
    expect(docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toContain('llama-8b-int4');
  });

  it('overrides the namespace on request', async () => {
    const { io, out } = capture();
    await main(['render', '-f', DEFAULT_EXAMPLE, '-n', 'team-a'], io);
    const docs = parseAllDocuments(out.join('\n')).map((d) => d.toJS());
    expect(new Set(docs.map((d) => d.metadata.namespace))).toEqual(new Set(['team-a']));
  });

  it('refuses an invalid policy and says why', async () => {
    const { io, err, out } = capture({ 'bad.yaml': BAD });
    expect(await main(['render', '-f', 'bad.yaml'], io)).toBe(1);
    expect(out).toEqual([]);
    expect(err.join('\n')).toContain('spec.modes[1]: Duplicate value');
  });
});

describe('modeswitch validate', () => {
  it('accepts every shipped example', async () => {
    const files = readdirSync(EXAMPLES_DIR)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => ['-f', join(EXAMPLES_DIR, f)]);
    const { io, out, err } = capture();
    expect(await main(['validate', ...files], io)).toBe(0);
    expect(err).toEqual([]);
    expect(out.every((l) => l.endsWith('is valid'))).toBe(true);
  });

  it('lists every problem with its field path and exits 1', async () => {
    const { io, err } = capture({ 'bad.yaml': BAD });
    expect(await main(['validate', '-f', 'bad.yaml'], io)).toBe(1);
    expect(err[0]).toBe('bad.yaml: policy bad is invalid:');
    expect(err.slice(1).join('\n')).toMatch(/spec.modes\[1\]: Duplicate value/);
  });

  it('reports CEL problems once the schema is satisfied', async () => {
    const { io, err } = capture({ 'cel.yaml': BAD.replace('{name: a}, {name: a}', '{name: a}, {name: b}') });
    expect(await main(['validate', '-f', 'cel.yaml'], io)).toBe(1);
    expect(err.join('\n')).toContain('spec.routing.rules[0].when: request has no field "inputTokenz"');
  });

  it('refuses a removed vLLM flag, a bad quantization method and an unknown speculative key, listing what is accepted', async () => {
    const policy = readFileSync(DEFAULT_EXAMPLE, 'utf8')
      .replace(
        '      quantization: fp8\n      kvCacheDtype: fp8',
        '      quantization: bitsandbytes\n      kvCacheDtype: fp8\n      extraArgs: [--disable-log-requests]',
      )
      .replace(
        '    gpuMemoryUtilization: 0.9',
        `    gpuMemoryUtilization: 0.9\n    extraArgs: [--speculative-config, '{"method": "ngram", "num_speculative_tokens": 3, "ngram_window": 4}']`,
      );
    const { io, err } = capture({ 'old.yaml': policy });
    expect(await main(['validate', '-f', 'old.yaml'], io)).toBe(1);
    const text = err.join('\n');
    expect(text).toContain(
      `spec.engine.extraArgs[0]: --speculative-config key ngram_window not known to vLLM ${PINNED_VLLM.vllm}: use enforce_eager, num_speculative_tokens`,
    );
    expect(text).toContain(
      `spec.modes[1].quantization: quantization method "bitsandbytes" is not one vLLM ${PINNED_VLLM.vllm} knows: use one of awq, `,
    );
    expect(text).toContain(`spec.modes[1].extraArgs[0]: vLLM ${PINNED_VLLM.vllm} has no flag --disable-log-requests`);
  });

  it('accepts a policy on an image it cannot check, and says so', async () => {
    const policy = readFileSync(DEFAULT_EXAMPLE, 'utf8').replace(
      '    gpus: 1',
      '    gpus: 1\n    image: registry.example.com/vllm:custom',
    );
    const { io, out } = capture({ 'custom.yaml': policy });
    expect(await main(['validate', '-f', 'custom.yaml'], io)).toBe(0);
    expect(out[0]).toBe('custom.yaml: policy llm/llama-8b is valid, with warnings:');
    expect(out[1]).toContain(
      'warning: spec.engine.image: image registry.example.com/vllm:custom does not say which vLLM release it runs: set vllmVersion',
    );
  });

  it('reports YAML syntax errors with the file name', async () => {
    const { io, err } = capture({ 'broken.yaml': 'spec: [unclosed' });
    expect(await main(['validate', '-f', 'broken.yaml'], io)).toBe(1);
    expect(err.join('\n')).toMatch(/broken.yaml: document 1/);
  });
});

describe('modeswitch', () => {
  it('prints usage for no command and rejects unknown ones', async () => {
    const a = capture();
    expect(await main([], a.io)).toBe(2);
    expect(a.out.join('\n')).toContain('usage: modeswitch <command>');
    const b = capture();
    expect(await main(['frobnicate'], b.io)).toBe(2);
    expect(b.err.join('\n')).toContain('unknown command "frobnicate"');
  });
});
