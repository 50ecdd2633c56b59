import { celEnv, parse, plan } from '@bufbuild/cel';
import type { CelInput } from '@bufbuild/cel';
import type { ModeState, RequestFeatures } from '../../../src/api/v1alpha1/rule-env.js';
import type { RuleBindings } from '../../../src/router/decide/bindings.js';
import { compileFastRule } from '../../../src/router/decide/fast-rule.js';

const EXPRESSIONS = [
  "request.type in ['code', 'math']",
  'request.inputTokens < 512 && request.maxOutputTokens <= 128',
  "request.expectedOutputTokens > 256 && modes['spec'].queueDepth < 8",
  "modes['spec'].queueDepth < 8 || request.priority >= 5",
  "!(modes['fp8'].kvCacheUsage > 0.9)",
  "has(modes['fp8'].powerWatts) && modes['fp8'].powerWatts < 300.0",
  'modes.fp8.energyPerToken <= 0.5 && request.difficulty < 0.5',
  "request.tenant == 'gold' || request.tenant.startsWith('vip-')",
  'request.sharedPrefix && request.prefixTokens >= 100',
  'request.inputTokens == 100',
  'request.inputTokens != 100.0',
  "request.stream ? request.maxOutputTokens > 64 : modes['spec'].running < 2",
  "request.model.contains('Llama') && !request.model.endsWith('-fp8')",
  "request.temperature <= 0.2 && request.type == 'code'",
  'request.temperature > 0.7 || request.topP < 1.0',
  "modes['spec'].telemetryAgeSeconds < 1.0 || modes['spec'].readyPods > 1",
];

const env = celEnv();

function randomBindings(seed: number): RuleBindings {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const request: RequestFeatures = {
    model: pick(['meta-llama/Llama-3.1-8B', 'x-fp8']),
    inputTokens: BigInt(pick([10, 100, 511, 512, 4000])),
    maxOutputTokens: BigInt(pick([16, 128, 129, 4096])),
    expectedOutputTokens: BigInt(pick([50, 256, 257, 900])),
    type: pick(['chat', 'code', 'math', 'summarise']),
    domain: pick(['code', 'math', 'general']),
    difficulty: pick([0.1, 0.5, 0.9]),
    sharedPrefix: rnd() < 0.5,
    prefixTokens: BigInt(pick([0, 99, 100, 400])),
    tenant: pick(['', 'gold', 'vip-1', 'free']),
    priority: BigInt(pick([0, 4, 5, 9])),
    stream: rnd() < 0.5,
    temperature: pick([0, 0.6, 1, 1.5]),
    topP: pick([0.9, 1]),
  };
  // Each telemetry value is present or absent (unknown) at random, as staleness makes them.
  const mode = (): ModeState => {
    const m: Record<string, bigint | number> = { readyPods: BigInt(pick([0, 1, 2])) };
    if (rnd() < 0.7) m['queueDepth'] = BigInt(pick([0, 7, 8, 30]));
    if (rnd() < 0.7) m['running'] = BigInt(pick([0, 1, 2, 5]));
    if (rnd() < 0.7) m['kvCacheUsage'] = pick([0.1, 0.9, 0.95]);
    if (rnd() < 0.7) m['powerWatts'] = pick([100, 299.5, 300, 650]);
    if (rnd() < 0.7) m['energyPerToken'] = pick([0.2, 0.5, 0.9]);
    if (rnd() < 0.7) m['telemetryAgeSeconds'] = pick([0.2, 1, 7]);
    return m as ModeState;
  };
  return {
    request,
    modes: new Map([
      ['spec', mode()],
      ['fp8', mode()],
    ]),
  };
}

describe('compiled rules agree with the CEL interpreter', () => {
  it.each(EXPRESSIONS)('%s', (expression) => {
    const parsed = parse(expression);
    const fast = compileFastRule(parsed.expr);
    expect(fast).toBeDefined();
    const reference = plan(env, parsed);
    let matches = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const b = randomBindings(seed);
      const expected = reference(b as unknown as Record<string, CelInput>) === true;
      expect([seed, fast?.(b)]).toEqual([seed, expected]);
      if (expected) matches++;
    }
    // The sample must exercise both outcomes, or agreement proves nothing.
    expect(matches).toBeGreaterThan(0);
    expect(matches).toBeLessThan(300);
  });

  it('leaves expressions outside the subset to the interpreter', () => {
    expect(compileFastRule(parse('request.inputTokens * 2 > 100').expr)).toBeUndefined();
    expect(compileFastRule(parse('[1, 2].exists(x, x > request.priority)').expr)).toBeUndefined();
  });

  it('never matches on an unknown value, even under negation', () => {
    const rule = compileFastRule(parse("!(modes['fp8'].queueDepth > 5)").expr);
    const b: RuleBindings = { ...randomBindings(1), modes: new Map([['fp8', { readyPods: 1n }]]) };
    expect(rule?.(b)).toBe(false);
  });
});
