import { DEFAULT_ENGINE_IMAGE, DEFAULT_VLLM_VERSION } from '../../../src/api/v1alpha1/defaults.js';
import { SPECULATIVE_KEYS } from '../../../src/api/v1alpha1/vllm-flags.js';
import { specSchema } from '../../../src/api/v1alpha1/schema.js';
import { checkServeArgs, cliTableFor, PINNED_VLLM } from '../../../src/api/v1alpha1/vllm-cli.js';

const check = (...args: string[]) =>
  checkServeArgs(PINNED_VLLM, args, { positionalModel: false }).map((p) => p.message);

describe('the pinned vLLM release', () => {
  it('is the one the default engine image runs', () => {
    expect(DEFAULT_VLLM_VERSION).toBe(PINNED_VLLM.vllm);
    expect(DEFAULT_ENGINE_IMAGE).toBe(`vllm/vllm-openai:v${PINNED_VLLM.vllm}`);
    expect(cliTableFor(`v${PINNED_VLLM.vllm}`)).toBe(PINNED_VLLM);
    expect(cliTableFor('0.11.0')).toBeUndefined();
  });

  it('has the flags ModeSwitch renders, read from the release', () => {
    for (const flag of [
      '--served-model-name',
      '--host',
      '--port',
      '--dtype',
      '--quantization',
      '--kv-cache-dtype',
      '--enable-prefix-caching',
      '--speculative-config',
      '--max-model-len',
      '--gpu-memory-utilization',
      '--tensor-parallel-size',
      '--enable-lora',
      '--lora-modules',
      '--max-loras',
      '--max-lora-rank',
    ]) {
      expect(PINNED_VLLM.flags[flag]).toBeDefined();
    }
    expect(PINNED_VLLM.flags['--enable-prefix-caching']?.negation).toBe('--no-enable-prefix-caching');
    expect(PINNED_VLLM.maxLoraRanks).toEqual(PINNED_VLLM.flags['--max-lora-rank']?.choices);
  });
});

describe('types and schema follow the release', () => {
  it('maps every speculative field to a --speculative-config key the release accepts', () => {
    const fields = Object.keys(specSchema.properties!['modes']!.items!.properties!['speculative']!.properties!);
    expect(fields.sort()).toEqual(Object.keys(SPECULATIVE_KEYS).sort());
    expect(Object.values(SPECULATIVE_KEYS).filter((k) => !PINNED_VLLM.speculative.keys.includes(k))).toEqual([]);
  });

  it('names, in the schema rule for a draft model, only methods the release has', () => {
    const rules = specSchema.properties!['modes']!.items!.properties!['speculative']!['x-kubernetes-validations']!;
    const listed = /\[([^\]]+)\]/
      .exec(rules[0]!.rule)![1]!
      .split(',')
      .map((m) => m.trim().replace(/'/g, ''));
    expect(listed.filter((m) => !PINNED_VLLM.speculative.methods.includes(m))).toEqual([]);
  });

  it("documents the release's values in the schema", () => {
    const mode = specSchema.properties!['modes']!.items!.properties!;
    for (const v of PINNED_VLLM.kvCacheDtypes) expect(mode['kvCacheDtype']!.description).toContain(v);
    for (const v of PINNED_VLLM.quantizationMethods) expect(mode['quantization']!.description).toContain(v);
    for (const v of PINNED_VLLM.speculative.methods)
      expect(mode['speculative']!.properties!['method']!.description).toContain(v);
  });
});

describe('checkServeArgs', () => {
  it('accepts flags in the forms vLLM parses', () => {
    expect(
      check(
        '--max-num-seqs',
        '128',
        '--max_model_len',
        '32k',
        '--no-enable-prefix-caching',
        '--enforce-eager',
        '--block-size=16',
      ),
    ).toEqual([]);
    expect(check('--api-key', 'k1', 'k2', '--speculative-config.method', 'ngram')).toEqual([]);
  });

  it('refuses flags the release removed, naming them', () => {
    expect(check('--disable-log-requests', '--swap-space', '4')).toEqual([
      expect.stringContaining('has no flag --disable-log-requests'),
      expect.stringContaining('has no flag --swap-space'),
    ]);
  });

  it("refuses values outside a flag's choices, listing them", () => {
    expect(check('--max-lora-rank', '48')).toEqual([
      `--max-lora-rank "48" is not accepted by vLLM ${PINNED_VLLM.vllm}: use one of 1, 8, 16, 32, 64, 128, 256, 320, 512`,
    ]);
    expect(check('--quantization', 'not-a-method')[0]).toContain('use one of awq');
    expect(check('--kv-cache-dtype', 'fp4')[0]).toContain('fp8_e4m3');
  });

  it('refuses unknown speculative keys and methods, and malformed values', () => {
    expect(check('--speculative-config', '{"method":"eagle3","model":"m","num_lookahead_slots":2}')[0]).toContain(
      'key num_lookahead_slots not known',
    );
    expect(check('--speculative-config', '{"method":"medusa"}')[0]).toContain('speculative method "medusa" is not one');
    expect(check('--speculative-config.bogus', '1')[0]).toContain('key bogus not known');
    expect(check('--max-num-seqs', 'many')).toEqual(['--max-num-seqs takes an integer, got "many"']);
    expect(check('--enforce-eager=yes')).toEqual(['--enforce-eager takes no value']);
    expect(check('--max-num-seqs')).toEqual(['--max-num-seqs needs a value']);
  });
});
