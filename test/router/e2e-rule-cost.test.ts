import { chat, startHarness, testPolicy } from './support/harness.js';
import type { Harness } from './support/harness.js';

// The CEL interpreter runs this rule (a comprehension is outside the fast path), under the cost meter.
const policy = testPolicy(
  {
    defaultMode: 'fp8',
    rules: [{ name: 'known-tenant', when: "['acme', 'globex'].exists(t, request.tenant == t)", mode: 'fp16' }],
  },
  ['fp16', 'fp8'],
);

let h: Harness;

beforeAll(async () => {
  h = await startHarness(policy, { fp16: { preset: 'fp16' }, fp8: { preset: 'fp8' } });
});

afterAll(async () => {
  await h.close();
});

async function costExceeded(): Promise<string | undefined> {
  const text = await (await fetch(h.metricsUrl)).text();
  return text.split('\n').find((l) => l.startsWith('modeswitch_rule_cost_exceeded_total{'));
}

describe('rule cost at run time', () => {
  it('routes by an interpreted rule within its cost', async () => {
    const r = await chat(h.http, 'Hello', {}, { 'x-modeswitch-tenant': 'acme' });
    expect([r.status, r.mode, r.rule]).toEqual([200, 'fp16', 'known-tenant']);
    expect(await costExceeded()).toBeUndefined();
  });

  it('serves by the default when an evaluation passes its cost bound, and counts it', async () => {
    // A tenant longer than the estimate assumed: the rule errs before it runs, so it does not match.
    const r = await chat(h.http, 'Hello', {}, { 'x-modeswitch-tenant': 'a'.repeat(2000) });
    expect([r.status, r.mode, r.rule]).toEqual([200, 'fp8', 'default']);
    expect(await costExceeded()).toBe('modeswitch_rule_cost_exceeded_total{policy="llm/llama",rule="known-tenant"} 1');
  });
});
