import type { ModeState, RequestFeatures } from '../../../src/api/v1alpha1/rule-env.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { compilePolicy, PolicyCompileError } from '../../../src/router/decide/compile-policy.js';
import { decide, explain } from '../../../src/router/decide/decide.js';
import { podView } from '../../support/pod-view.js';
import { requestFeatures } from '../../support/request-features.js';

function policy(routing: InferenceModePolicy['spec']['routing']): InferenceModePolicy {
  return {
    apiVersion: 'modeswitch.io/v1alpha1',
    kind: 'InferenceModePolicy',
    metadata: { name: 'p', namespace: 'ns' },
    spec: { model: 'm', modes: [{ name: 'fp16' }, { name: 'fp8' }, { name: 'int4' }], routing },
  };
}

const compiled = compilePolicy(
  policy({
    defaultMode: 'fp8',
    rules: [
      { name: 'code', when: "request.type == 'code'", mode: 'fp16' },
      { name: 'short', when: 'request.inputTokens < 512', mode: 'int4' },
      { name: 'doubled', when: 'request.inputTokens * 2 > 100000', mode: 'fp16' },
    ],
    fallback: ['fp8', 'fp16'],
    guards: { maxQueueDepth: 10, maxKvCacheUsage: 0.9, maxGpuPowerWatts: 600 },
  }),
);

const request = requestFeatures;

const pod = podView;

const states = new Map<string, ModeState>([
  ['fp16', { readyPods: 1n }],
  ['fp8', { readyPods: 1n }],
  ['int4', { readyPods: 1n }],
]);
const healthyPods = () =>
  new Map([
    ['fp16', [pod('a')]],
    ['fp8', [pod('b')]],
    ['int4', [pod('c'), pod('d')]],
  ]);

describe('decide', () => {
  it('takes the first matching rule', () => {
    const d = decide({
      policy: compiled,
      bindings: { request: request({ type: 'code', inputTokens: 10n }), modes: states },
      pods: healthyPods(),
    });
    expect([d.rule, d.mode, d.fallbacks]).toEqual(['code', 'fp16', []]);
    expect(explain(d, true)).toBe('rule "code" matched → fp16; served by fp16 on a');
    // Pod names are internal to the cluster: a client-facing explanation leaves them out.
    expect(explain(d)).toBe('rule "code" matched → fp16; served by fp16');
  });

  it('uses the default mode when nothing matches, and runs interpreted rules too', () => {
    expect(
      decide({ policy: compiled, bindings: { request: request(), modes: states }, pods: healthyPods() }).rule,
    ).toBe('default');
    expect(compiled.rules.find((r) => r.name === 'doubled')?.fast).toBe(false);
    expect(
      decide({
        policy: compiled,
        bindings: { request: request({ inputTokens: 60000n }), modes: states },
        pods: healthyPods(),
      }).rule,
    ).toBe('doubled');
  });

  it('picks the least-loaded healthy pod, counting its own in-flight requests and the engine queue', () => {
    const pods = healthyPods();
    pods.set('int4', [pod('c', { queueDepth: 3 }), pod('d', { running: 1 }, 1), pod('e', { healthy: false })]);
    expect(
      decide({ policy: compiled, bindings: { request: request({ inputTokens: 10n }), modes: states }, pods }).pod
        ?.record.url,
    ).toBe('d');
  });

  it('does not take a pod with unknown telemetry for idle: a busy engine that cannot answer /metrics gets no extra load', () => {
    const pods = healthyPods();
    // a: the router has 6 requests there, telemetry unknown; b: 6 of ours too, and the engine reports 4 waiting + 12 running.
    pods.set('int4', [
      pod('a', {}, 6),
      pod('b', { queueDepth: 4, running: 12 }, 6),
      pod('c', { queueDepth: 0, running: 2 }, 2),
    ]);
    expect(
      decide({ policy: compiled, bindings: { request: request({ inputTokens: 10n }), modes: states }, pods }).pod
        ?.record.url,
    ).toBe('c');
    pods.set('int4', [pod('a', {}, 6), pod('b', { queueDepth: 4, running: 12 }, 6)]);
    expect(
      decide({ policy: compiled, bindings: { request: request({ inputTokens: 10n }), modes: states }, pods }).pod
        ?.record.url,
    ).toBe('b');
  });

  it.each([
    ['queue_depth', { queueDepth: 11 }, 'queue 11 > 10 on every pod'],
    ['kv_cache', { kvCacheUsage: 0.97 }, 'KV cache 0.97 > 0.9 on every pod'],
    ['gpu_power', { powerWatts: 650 }, 'GPU power 650 W > 600 W on every pod'],
    ['no_ready_pod', { healthy: false }, 'no ready pod'],
  ])('walks the fallback chain on %s', (reason, over, detail) => {
    const pods = healthyPods();
    pods.set('int4', [pod('c', over)]);
    const d = decide({ policy: compiled, bindings: { request: request({ inputTokens: 10n }), modes: states }, pods });
    expect([d.rule, d.requestedMode, d.mode]).toEqual(['short', 'int4', 'fp8']);
    expect(d.fallbacks).toEqual([{ from: 'int4', to: 'fp8', reason, detail }]);
    expect(explain(d)).toContain(`int4 skipped (${detail}) → fp8`);
    // Only a mode without a ready pod is demand the planner must see (it may be scaled to zero); a full one is not.
    expect(d.wanted).toBe(reason === 'no_ready_pod' ? 'int4' : undefined);
  });

  it('counts the mode a rule asked for as wanted when it has no pod at all, so a mode scaled to zero wakes', () => {
    const pods = healthyPods();
    pods.delete('int4');
    const d = decide({ policy: compiled, bindings: { request: request({ inputTokens: 10n }), modes: states }, pods });
    expect(d).toMatchObject({ rule: 'short', requestedMode: 'int4', mode: 'fp8', wanted: 'int4' });
    expect(explain(d)).toBe(
      'rule "short" matched → int4; int4 skipped (no ready pod) → fp8; int4 counted as wanted; served by fp8',
    );
    // A fallback further down the chain is not what the rule asked for: nothing more is wanted.
    pods.delete('fp8');
    expect(
      decide({ policy: compiled, bindings: { request: request({ inputTokens: 10n }), modes: states }, pods }),
    ).toMatchObject({ mode: 'fp16', wanted: 'int4' });
  });

  it('does not trip a guard on unknown telemetry', () => {
    const d = decide({
      policy: compiled,
      bindings: { request: request({ inputTokens: 10n }), modes: states },
      pods: healthyPods(),
    });
    expect(d.mode).toBe('int4');
  });

  it('skips pods that already failed the request, then the mode', () => {
    const bindings = { request: request({ inputTokens: 10n }), modes: states };
    expect(decide({ policy: compiled, bindings, pods: healthyPods(), exclude: new Set(['c']) }).pod?.record.url).toBe(
      'd',
    );
    const d = decide({ policy: compiled, bindings, pods: healthyPods(), exclude: new Set(['c', 'd']) });
    expect([d.mode, d.fallbacks[0]?.reason]).toEqual(['fp8', 'upstream_error']);
  });

  it('reports no mode when the whole chain is rejected', () => {
    const d = decide({ policy: compiled, bindings: { request: request(), modes: states }, pods: new Map() });
    expect(d.mode).toBeUndefined();
    expect(d.fallbacks.map((f) => f.from)).toEqual(['fp8', 'fp16']);
    expect(d.wanted).toBe('fp8');
    expect(explain(d)).toContain('no mode can serve it');
  });
});

describe('compilePolicy', () => {
  it('rejects bad rules with every problem named', () => {
    const bad = policy({
      defaultMode: 'fp9',
      rules: [
        { name: 'r', when: "modes['nope'].queueDepth < 1", mode: 'int4' },
        { name: 's', when: 'request.colour', mode: 'x' },
      ],
    });
    expect(() => compilePolicy(bad)).toThrow(PolicyCompileError);
    try {
      compilePolicy(bad);
    } catch (err) {
      const text = (err as PolicyCompileError).problems.join('\n');
      expect(text).toContain('routing.defaultMode: unknown mode "fp9"');
      expect(text).toContain('unknown mode "nope"');
      expect(text).toContain('request has no field "colour"');
      expect(text).toContain('routing.rules[1] (s): unknown mode "x"');
    }
  });

  it('builds each chain from the rule mode, the fallback list and the default, without repeats', () => {
    expect(compiled.rules.map((r) => r.chain)).toEqual([
      ['fp16', 'fp8'],
      ['int4', 'fp8', 'fp16'],
      ['fp16', 'fp8'],
    ]);
    expect(compiled.defaultChain).toEqual(['fp8', 'fp16']);
  });
});

describe('domain experts and adapter modes', () => {
  const experts = compilePolicy({
    apiVersion: 'modeswitch.io/v1alpha1',
    kind: 'InferenceModePolicy',
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      model: 'm',
      modes: [
        { name: 'fp16' },
        { name: 'fp8' },
        { name: 'code', adapter: { base: 'fp16', source: '/a/code', rank: 16 }, domains: ['code'] },
        { name: 'legal', adapter: { source: '/a/legal', rank: 8 }, domains: ['legal', 'contracts'] },
      ],
      routing: {
        defaultMode: 'fp8',
        rules: [{ name: 'tenant-a', when: "request.tenant == 'a'", mode: 'fp16' }],
        fallback: ['fp16'],
        guards: { maxQueueDepth: 4 },
      },
    },
  });
  const pods = () =>
    new Map([
      ['fp16', [pod('a')]],
      ['fp8', [pod('b')]],
      ['code', [pod('a')]],
      ['legal', [pod('l')]],
    ]);
  const decideFor = (over: Partial<RequestFeatures>, p = pods()) =>
    decide({ policy: experts, bindings: { request: request(over), modes: states }, pods: p });

  it('sends a request no rule matched to the mode listing its domain, naming the adapter and the pods it runs on', () => {
    const d = decideFor({ domain: 'code' });
    expect([d.rule, d.domain, d.mode, d.adapter]).toEqual([
      'domain',
      'code',
      'code',
      { upstreamModel: 'code', podsOf: 'fp16' },
    ]);
    expect(explain(d)).toBe(
      'no rule matched, request.domain "code" → its expert code; served by code (LoRA adapter "code" on fp16\'s pods)',
    );
    expect(explain(decideFor({ domain: 'contracts' }))).toContain(
      'served by legal (LoRA adapter "legal" on its own pods)',
    );
  });

  it('lets a rule win over the domain, and leaves unknown domains on the default', () => {
    expect(decideFor({ domain: 'code', tenant: 'a' }).mode).toBe('fp16');
    const d = decideFor({ domain: 'general' });
    expect([d.rule, d.mode, d.adapter]).toEqual(['default', 'fp8', undefined]);
  });

  it('moves past an expert whose guards say no, down its chain', () => {
    const busy = pods();
    busy.set('code', [pod('a', { queueDepth: 9 })]);
    busy.set('fp16', [pod('a', { queueDepth: 9 })]);
    const d = decideFor({ domain: 'code' }, busy);
    expect([d.requestedMode, d.mode, d.adapter]).toEqual(['code', 'fp8', undefined]);
    expect(d.fallbacks.map((f) => f.reason)).toEqual(['queue_depth', 'queue_depth']);
  });

  it('never reads request.domain when no mode lists domains (the classifier is the costliest feature)', () => {
    let read = false;
    const features = request();
    Object.defineProperty(features, 'domain', { get: () => ((read = true), 'code') });
    const plain = compilePolicy(
      policy({ defaultMode: 'fp8', rules: [{ name: 'code', when: "request.type == 'code'", mode: 'fp16' }] }),
    );
    decide({ policy: plain, bindings: { request: features, modes: states }, pods: healthyPods() });
    expect(read).toBe(false);
    decide({ policy: experts, bindings: { request: features, modes: states }, pods: pods() });
    expect(read).toBe(true);
  });

  it('says whether a policy reads request.domain, so the router classifies the domain only then', () => {
    const reads = (when: string) =>
      compilePolicy(policy({ defaultMode: 'fp8', rules: [{ name: 'r', when, mode: 'fp16' }] })).readsDomain;
    expect(reads("request.type == 'code'")).toBe(false);
    expect(reads("request.domain == 'code'")).toBe(true);
    expect(reads("request['domain'] == 'math'")).toBe(true);
    expect(experts.readsDomain).toBe(true);
  });
});
