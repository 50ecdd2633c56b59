/**
 * `npm run bench -- rule-cost`: what the rule cost bounds buy. For the probe's rule of nested comprehensions (each
 * level over 30 items, every item true), by depth: the estimate, one evaluation without a meter (the interpreter as
 * it was), one with the meter (stops at the limit), and `validate`'s check of the rule. Then the interpreter's pace
 * per unit on rules within the limit, and the parse of a YAML map of many keys with and without yaml's own
 * duplicate-key check.
 */
import { celEnv, parse, plan } from '@bufbuild/cel';
import type { CelInput } from '@bufbuild/cel';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { estimateRuleCost, formatCost, meteredRule, RULE_COST_LIMIT } from '../src/api/v1alpha1/rule-cost.js';
import { checkRuleExpression } from '../src/api/v1alpha1/rule-env.js';
import { loadYamlDocuments } from '../src/cli/policy-files.js';

const LIST = `[${Array.from({ length: 30 }, (_, i) => i).join(', ')}]`;
const SHORT = `[${Array.from({ length: 20 }, (_, i) => i).join(', ')}]`;

function nested(depth: number): string {
  let body = 'request.inputTokens >= 0';
  for (let i = depth - 1; i >= 0; i--) body = `${LIST}.all(a${i}, a${i} >= 0 && ${body})`;
  return body;
}

const bindings: Record<string, CelInput> = {
  request: { model: 'llama', inputTokens: 1n, type: 'chat', domain: 'code', tenant: 'acme', stream: false },
  modes: new Map([['fp8', { readyPods: 1n, queueDepth: 3n }]]),
};

function ms(f: () => unknown): number {
  const start = performance.now();
  f();
  return performance.now() - start;
}

export async function run(): Promise<void> {
  console.log(`rule cost limit ${formatCost(RULE_COST_LIMIT)} units`);
  console.log('depth  chars  estimate        unmetered ms  metered ms  validate ms');
  for (const depth of [1, 2, 3, 4]) {
    const rule = nested(depth);
    const estimate = estimateRuleCost(parse(rule).expr);
    const unmetered = ms(() => plan(celEnv(), parse(rule))(bindings));
    const evaluate = meteredRule(parse(rule));
    const metered = ms(() => evaluate(bindings));
    const validate = ms(() => checkRuleExpression(rule, ['fp8']));
    console.log(
      `${String(depth).padStart(5)}  ${String(rule.length).padStart(5)}  ${formatCost(estimate).padStart(12)}  ${unmetered.toFixed(1).padStart(12)}  ${metered.toFixed(1).padStart(10)}  ${validate.toFixed(1).padStart(11)}`,
    );
  }
  const within = [
    'modes.exists(m, modes[m].queueDepth > 5)',
    `${LIST}.map(x, x * 2).filter(y, y > 3).exists_one(z, z == 4)`,
    `${SHORT}.all(a, ${SHORT}.exists(b, a + b >= 19))`,
  ];
  console.log('pace within the limit (mean of 200 evaluations, metered):');
  for (const rule of within) {
    const estimate = estimateRuleCost(parse(rule).expr);
    const evaluate = meteredRule(parse(rule));
    for (let i = 0; i < 50; i++) evaluate(bindings);
    const us = (ms(() => Array.from({ length: 200 }, () => evaluate(bindings))) * 1000) / 200;
    console.log(
      `  ${formatCost(estimate).padStart(7)} units  ${us.toFixed(1).padStart(8)} µs  ${((us * 1000) / estimate).toFixed(0).padStart(5)} ns/unit  ${rule.slice(0, 50)}`,
    );
  }
  for (const keys of [10_000, 50_000]) {
    const text = `metadata: {name: wide}\nspec:\n${Array.from({ length: keys }, (_, i) => `  k${i}: v`).join('\n')}\n`;
    const ours = ms(() => loadYamlDocuments('wide.yaml', () => text));
    // yaml's uniqueKeys check is quadratic: 50,000 keys take tens of seconds, so it is measured at 10,000 only.
    const theirs = keys <= 10_000 ? ms(() => parseAllDocuments(text)[0]?.toJS()) : undefined;
    console.log(
      `YAML map of ${keys} keys: ${ours.toFixed(0)} ms with one-pass duplicate keys${theirs === undefined ? '' : `, ${theirs.toFixed(0)} ms with yaml's uniqueKeys`}`,
    );
  }
}
