import { join } from 'node:path';
import { renderPolicy, type KubeObject } from '../../../src/operator/render/index.js';
import { EXAMPLES_DIR, loadExample } from '../../support/policies.js';

const policy = loadExample(join(EXAMPLES_DIR, 'llama-3.1-8b-domain-adapters.yaml'));
const objects = renderPolicy(policy);
const argsOf = (name: string) =>
  (objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as any).spec.template.spec.containers[0]
    .args as string[];

describe('rendering adapter modes', () => {
  it('gives adapters on a base mode no Deployment or Service of their own', () => {
    expect(
      objects
        .filter((o) => o.kind !== 'ServiceAccount' && o.kind !== 'Role' && o.kind !== 'RoleBinding')
        .map((o: KubeObject) => `${o.kind}/${o.metadata.name}`),
    ).toEqual([
      'Service/llama-8b-experts-fp16',
      'Deployment/llama-8b-experts-fp16',
      'Service/llama-8b-experts-fp8',
      'Deployment/llama-8b-experts-fp8',
      'ConfigMap/llama-8b-experts-router',
      'Service/llama-8b-experts-router',
      'Deployment/llama-8b-experts-router',
    ]);
  });

  it("loads every adapter on its base mode's pods with vLLM's LoRA flags", () => {
    const args = argsOf('llama-8b-experts-fp16');
    expect(args.slice(args.indexOf('--enable-lora'))).toEqual([
      '--enable-lora',
      '--lora-modules',
      'code=/models-cache/adapters/code',
      'math=/models-cache/adapters/math',
      '--max-loras',
      '2',
      '--max-lora-rank',
      '16',
    ]);
    expect(argsOf('llama-8b-experts-fp8')).not.toContain('--enable-lora');
  });

  it('sizes --max-lora-rank for the largest adapter', () => {
    const p = structuredClone(policy);
    p.spec.modes[3]!.adapter!.rank = 64;
    const args = (
      renderPolicy(p).find((o) => o.metadata.name === 'llama-8b-experts-fp16' && o.kind === 'Deployment') as any
    ).spec.template.spec.containers[0].args;
    expect(args.slice(-2)).toEqual(['--max-lora-rank', '64']);
  });

  it('runs an adapter without a base on its own pods with only that adapter', () => {
    const p = structuredClone(policy);
    delete p.spec.modes[2]!.adapter!.base;
    const rendered = renderPolicy(p);
    const args = (rendered.find((o) => o.metadata.name === 'llama-8b-experts-code' && o.kind === 'Deployment') as any)
      .spec.template.spec.containers[0].args;
    expect(args[0]).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(args.slice(args.indexOf('--enable-lora'))).toEqual([
      '--enable-lora',
      '--lora-modules',
      'code=/models-cache/adapters/code',
      '--max-loras',
      '1',
      '--max-lora-rank',
      '16',
    ]);
  });
});
