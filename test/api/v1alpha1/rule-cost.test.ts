import { isCelError, parse } from '@bufbuild/cel';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import {
  estimateRuleCost,
  meteredRule,
  POLICY_RULES_COST_LIMIT,
  RULE_COST_LIMIT,
  RuleCostExceeded,
} from '../../../src/api/v1alpha1/rule-cost.js';
import { buildCrd } from '../../../src/api/v1alpha1/crd.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { validatePolicy } from '../../../src/api/v1alpha1/validation.js';
import { clone, loadExample } from '../../support/policies.js';

const LIST = `[${Array.from({ length: 30 }, (_, i) => i).join(', ')}]`;

/** The probe's rule: `depth` comprehensions over 30 elements, nested, every one true (no short cut). */
function nested(depth: number): string {
  let body = 'request.inputTokens >= 0';
  for (let i = depth - 1; i >= 0; i--) body = `${LIST}.all(a${i}, a${i} >= 0 && ${body})`;
  return body;
}

const bindings = {
  request: { model: 'llama', inputTokens: 1n, type: 'chat', domain: 'code', tenant: 'acme', stream: false },
  modes: new Map([['fp8', { readyPods: 1n, queueDepth: 3n }]]),
};

const cost = (rule: string) => estimateRuleCost(parse(rule).expr);

function withRule(when: string): InferenceModePolicy {
  const policy = clone(loadExample());
  policy.spec.routing.rules = [{ name: 'heavy', when, mode: 'fp8' }];
  return policy;
}

describe('rule cost estimate', () => {
  it("refuses the probe's 1.4 KB rule of nested comprehensions, and the deeper one, at the rule's path", () => {
    for (const depth of [4, 5]) {
      const rule = nested(depth);
      expect(rule.length).toBeGreaterThan(depth === 4 ? 500 : 600);
      const { policy, problems } = validatePolicy(withRule(rule));
      expect(policy).toBeUndefined();
      expect(problems).toEqual([
        {
          path: 'spec.routing.rules[0].when',
          message: expect.stringMatching(/^estimated cost [\d,]+ exceeds the limit of 10,000 per evaluation/),
        },
      ]);
    }
  });

  it('multiplies nested comprehensions by the size of what they iterate', () => {
    const one = cost(nested(1));
    const two = cost(nested(2));
    expect(one).toBeGreaterThanOrEqual(30);
    expect(two).toBeGreaterThanOrEqual(30 * one);
    // modes has at most 16 entries (spec.modes' maxItems), whatever the policy.
    expect(cost('modes.exists(m, modes[m].queueDepth > 5)')).toBeGreaterThanOrEqual(16);
    expect(cost('modes.exists(m, modes[m].queueDepth > 5)')).toBeLessThan(1000);
    // A list built by map is as long as its range, so iterating it again costs as much again.
    expect(cost(`${LIST}.map(x, x * 2).exists(y, y > 3)`)).toBeGreaterThan(cost(`${LIST}.exists(y, y > 3)`) * 1.5);
  });

  it('accepts every rule of the examples, well under the limit', () => {
    const dir = 'deploy/examples';
    const rules = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(readFileSync(`${dir}/${f}`, 'utf8')).map((d) => d.toJS()))
      .flatMap((p: InferenceModePolicy | null) => p?.spec?.routing?.rules ?? []);
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) expect(cost(r.when)).toBeLessThan(RULE_COST_LIMIT / 10);
  });

  it('prices string work by the declared longest request string and regexes by their pattern', () => {
    expect(cost("request.tenant.contains('a')")).toBeGreaterThan(cost("request.type.contains('a')"));
    expect(cost("request['tenant'].contains('a')")).toBe(cost("request.tenant.contains('a')"));
    expect(cost(`${LIST}.exists(x, request.tenant.matches('^t[a-z]+-[0-9]+$'))`)).toBeGreaterThan(RULE_COST_LIMIT);
  });

  it('bounds the text of a rule in the CRD, so the API server refuses a giant rule before anything parses it', () => {
    const crd = JSON.stringify(buildCrd());
    expect(crd).toContain('"when":{"type":"string","description":"CEL condition');
    expect(crd).toMatch(/"when":\{[^}]*"maxLength":4096/);
    const giant = `${'request.inputTokens > 1 || '.repeat(200)}true`;
    expect(validatePolicy(withRule(giant)).problems).toEqual([
      { path: 'spec.routing.rules[0].when', message: 'Invalid value: must NOT have more than 4096 characters' },
    ]);
  });

  it('refuses a policy whose rules together exceed the per-policy limit', () => {
    const policy = clone(loadExample());
    const list = `[${Array.from({ length: 20 }, (_, i) => i).join(', ')}]`;
    const each = `${list}.all(a, ${list}.exists(b, a + b >= request.inputTokens))`;
    expect(cost(each)).toBeLessThanOrEqual(RULE_COST_LIMIT);
    const count = Math.ceil(POLICY_RULES_COST_LIMIT / cost(each)) + 1;
    policy.spec.routing.rules = Array.from({ length: count }, (_, i) => ({ name: `r${i}`, when: each, mode: 'fp8' }));
    expect(validatePolicy(policy).problems).toEqual([
      {
        path: 'spec.routing.rules',
        message: expect.stringMatching(/^estimated cost of all rules together [\d,]+ exceeds/),
      },
    ]);
  });
});

describe('rule cost meter', () => {
  it('stops an evaluation past its limit with RuleCostExceeded, even under || true', () => {
    const rule = `${nested(3)} || true`;
    const result = meteredRule(parse(rule), 1000)(bindings);
    expect(isCelError(result) && result.cause instanceof RuleCostExceeded).toBe(true);
    // The same rule within its limit evaluates as CEL does.
    expect(meteredRule(parse(rule), 10_000_000)(bindings)).toBe(true);
  });

  it('never charges more than the estimate: each rule runs to the end with its estimate as the limit', () => {
    const rules = [
      nested(2),
      `${LIST}.map(x, x * 2).filter(y, y > 3).exists_one(z, z == 4)`,
      'modes.all(m, has(modes[m].queueDepth) && modes[m].queueDepth >= 0)',
      `${LIST}.exists(x, x > 28) && request.tenant.startsWith('ac')`,
      `[${LIST}, ${LIST}].all(l, l.exists(x, x == 29))`,
    ];
    for (const rule of rules) {
      const result = meteredRule(parse(rule), cost(rule))(bindings);
      expect({ rule, result }).toEqual({ rule, result: true });
    }
  });

  it('refuses to evaluate on a request string longer than the estimate assumed', () => {
    const evaluate = meteredRule(parse("['acme', 'globex'].exists(t, request.tenant == t)"));
    expect(evaluate(bindings)).toBe(true);
    const long = evaluate({ ...bindings, request: { ...bindings.request, tenant: 'a'.repeat(300) } });
    expect(isCelError(long) && long.cause instanceof RuleCostExceeded && long.message).toMatch(
      /request.tenant has 300 characters, more than the 256/,
    );
    // A rule that does not read the tenant is not affected by its length.
    const other = meteredRule(parse("['llama', 'qwen'].exists(m, request.model == m)"));
    expect(other({ ...bindings, request: { ...bindings.request, tenant: 'a'.repeat(300) } })).toBe(true);
    expect(isCelError(other({ ...bindings, request: { ...bindings.request, model: 'a'.repeat(300) } }))).toBe(true);
  });
});
