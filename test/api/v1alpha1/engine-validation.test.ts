import { join } from 'node:path';
import { validatePolicy } from '../../../src/api/v1alpha1/validation.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { PINNED_VLLM } from '../../../src/api/v1alpha1/vllm-cli.js';
import { clone, EXAMPLES_DIR, loadExample } from '../../support/policies.js';

const example = loadExample();
const adapters = loadExample(join(EXAMPLES_DIR, 'llama-3.1-8b-domain-adapters.yaml'));

function validate(base: InferenceModePolicy, mutate: (p: InferenceModePolicy) => void) {
  const policy = clone(base);
  mutate(policy);
  return validatePolicy(policy);
}

describe('validatePolicy against the vLLM release a mode runs', () => {
  it('refuses a removed flag in extraArgs at its index, engine-wide or per mode', () => {
    const { problems } = validate(example, (p) => {
      p.spec.engine!.extraArgs = ['--max-num-seqs', '64', '--disable-log-requests'];
      p.spec.modes[1]!.extraArgs = ['--swap-space', '4'];
    });
    expect(problems).toEqual([
      {
        path: 'spec.engine.extraArgs[2]',
        message: expect.stringContaining(`vLLM ${PINNED_VLLM.vllm} has no flag --disable-log-requests`),
      },
      { path: 'spec.modes[1].extraArgs[0]', message: expect.stringContaining('has no flag --swap-space') },
    ]);
  });

  it('refuses an unknown quantization method, KV-cache dtype or speculative method, listing what is accepted', () => {
    const { problems } = validate(example, (p) => {
      p.spec.modes[1]!.quantization = 'bitsandbytes' as never;
      p.spec.modes[1]!.kvCacheDtype = 'fp4' as never;
      p.spec.modes[3]!.speculative = { method: 'medusa' as never, model: 'm', numSpeculativeTokens: 3 };
    });
    expect(problems.map((p) => p.path)).toEqual([
      'spec.modes[1].quantization',
      'spec.modes[1].kvCacheDtype',
      'spec.modes[3].speculative.method',
    ]);
    expect(problems[0]!.message).toContain(`use one of ${PINNED_VLLM.quantizationMethods.join(', ')}`);
    expect(problems[1]!.message).toContain(`use one of ${PINNED_VLLM.kvCacheDtypes.join(', ')}`);
    expect(problems[2]!.message).toContain('eagle3');
  });

  it('refuses unknown keys in a --speculative-config given as an extra argument', () => {
    const { problems } = validate(
      example,
      (p) =>
        (p.spec.modes[0]!.extraArgs = [
          '--speculative-config',
          '{"method":"ngram","num_speculative_tokens":3,"ngram_size":4}',
        ]),
    );
    expect(problems).toEqual([
      { path: 'spec.modes[0].extraArgs[0]', message: expect.stringContaining('key ngram_size not known') },
    ]);
  });

  it('accepts a deprecated quantization method only with --allow-deprecated-quantization', () => {
    const method = PINNED_VLLM.deprecatedQuantizationMethods[0] as never;
    expect(validate(example, (p) => (p.spec.modes[1]!.quantization = method)).problems[0]?.message).toContain(
      '--allow-deprecated-quantization',
    );
    expect(
      validate(example, (p) => {
        p.spec.modes[1]!.quantization = method;
        p.spec.modes[1]!.extraArgs = ['--allow-deprecated-quantization'];
      }).problems,
    ).toEqual([]);
  });

  it('accepts another image with a warning when it does not say its vLLM release, or names one without a table', () => {
    const unstated = validate(example, (p) => {
      p.spec.engine!.image = 'registry.example.com/vllm:custom';
      p.spec.modes[1]!.quantization = 'bitsandbytes' as never;
    });
    expect(unstated.problems).toEqual([]);
    expect(unstated.warnings).toEqual([
      {
        path: 'spec.engine.image',
        message: expect.stringContaining(
          'registry.example.com/vllm:custom does not say which vLLM release it runs: set vllmVersion',
        ),
      },
    ]);
    const older = validate(example, (p) => {
      p.spec.modes[0]!.image = 'vllm/vllm-openai:v0.25.1';
      p.spec.modes[0]!.vllmVersion = '0.25.1';
    });
    expect(older.problems).toEqual([]);
    expect(older.warnings).toEqual([
      { path: 'spec.modes[0].vllmVersion', message: expect.stringContaining('no argument table for vLLM 0.25.1') },
    ]);
    expect(validatePolicy(clone(example)).warnings).toEqual([]);
  });

  it('checks a custom image against the pinned table when it says it runs that release', () => {
    const { problems, warnings } = validate(example, (p) => {
      p.spec.engine!.image = 'registry.example.com/vllm:patched';
      p.spec.engine!.vllmVersion = PINNED_VLLM.vllm;
      p.spec.engine!.extraArgs = ['--swap-space', '4'];
    });
    expect(warnings).toEqual([]);
    expect(problems.map((p) => p.path)).toEqual(['spec.engine.extraArgs[0]']);
  });
});

describe('validatePolicy of adapter modes', () => {
  it('accepts the two-adapter example', () => {
    expect(validatePolicy(clone(adapters))).toMatchObject({ problems: [], warnings: [] });
  });

  it('refuses a base that does not exist or is itself an adapter', () => {
    expect(validate(adapters, (p) => (p.spec.modes[2]!.adapter!.base = 'fp4')).problems).toEqual([
      { path: 'spec.modes[2].adapter.base', message: 'no mode "fp4" in spec.modes; modes: fp16, fp8, code, math' },
    ]);
    expect(validate(adapters, (p) => (p.spec.modes[3]!.adapter!.base = 'code')).problems).toEqual([
      { path: 'spec.modes[3].adapter.base', message: expect.stringContaining('mode "code" is itself an adapter') },
    ]);
  });

  it('refuses pod settings on an adapter served on another mode', () => {
    expect(validate(adapters, (p) => (p.spec.modes[2]!.replicas = 2)).problems).toEqual([
      {
        path: 'spec.modes[2].replicas',
        message: expect.stringContaining('runs on that mode\'s pods and has none of its own: set replicas on "fp16"'),
      },
    ]);
  });

  it("refuses a rank the release's --max-lora-rank does not take", () => {
    expect(validate(adapters, (p) => (p.spec.modes[3]!.adapter!.rank = 48)).problems).toEqual([
      {
        path: 'spec.modes[3].adapter.rank',
        message: `LoRA rank 48 is not one vLLM ${PINNED_VLLM.vllm} serves (--max-lora-rank): use one of ${PINNED_VLLM.maxLoraRanks.join(', ')}`,
      },
    ]);
  });

  it('refuses an adapter named like the model, since the name is its model name upstream', () => {
    expect(validate(adapters, (p) => (p.spec.model = 'code')).problems).toEqual([
      { path: 'spec.modes[2].name', message: expect.stringContaining('must differ from spec.model') },
    ]);
  });
});

describe("vLLM 0.33's load-adaptive speculation keys", () => {
  const spec = (extra: Record<string, unknown>) => (p: InferenceModePolicy) => {
    p.spec.modes[3]!.speculative = {
      method: 'eagle3',
      model: 'yuhuili/EAGLE3-LLaMA3.1-Instruct-8B',
      numSpeculativeTokens: 3,
      ...extra,
    } as never;
  };

  it('accepts a batch-size schedule that starts at batch 1, whatever its order, with 0 drafts allowed', () => {
    const { problems } = validate(
      example,
      spec({
        numSpeculativeTokensPerBatchSize: [
          [65, 256, 0],
          [1, 32, 3],
          [33, 64, 1],
        ],
      }),
    );
    expect(problems).toEqual([]);
  });

  it.each([
    [
      'overlapping ranges',
      [
        [1, 32, 3],
        [16, 64, 1],
      ],
      /overlap at batch 16/,
    ],
    ['a schedule not starting at batch 1', [[2, 32, 3]], /must start at 1/],
    [
      'a range ending before it starts',
      [
        [1, 32, 3],
        [64, 33, 1],
      ],
      /first batch 64 is above last batch 33/,
    ],
  ])('refuses %s at its field path, as vLLM would at start-up', (_, schedule, message) => {
    const { problems } = validate(example, spec({ numSpeculativeTokensPerBatchSize: schedule }));
    expect(problems).toEqual([
      { path: 'spec.modes[3].speculative.numSpeculativeTokensPerBatchSize', message: expect.stringMatching(message) },
    ]);
  });

  it('refuses a range that is not three numbers, through the schema', () => {
    const { problems } = validate(example, spec({ numSpeculativeTokensPerBatchSize: [[1, 32]] }));
    expect(problems.map((p) => p.path)).toEqual(['spec.modes[3].speculative.numSpeculativeTokensPerBatchSize[0]']);
  });

  it('refuses adaptive verification for a method vLLM does not support it with (dspark only)', () => {
    const { problems } = validate(example, spec({ enableAdaptiveVerification: true }));
    expect(problems).toEqual([
      {
        path: 'spec.modes[3].speculative',
        message: 'enableAdaptiveVerification is supported by vLLM only with method dspark',
      },
    ]);
  });
});
