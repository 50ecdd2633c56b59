import type { ModeState, RequestFeatures } from '../../../src/api/v1alpha1/rule-env.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { resolvePolicy } from '../../../src/api/v1alpha1/defaults.js';
import { seedPolicyModels } from '../../../src/model/policy-models.js';
import { recordOutcome } from '../../../src/router/accounting/record-outcome.js';
import { createRouterMetrics } from '../../../src/router/accounting/router-metrics.js';
import { compilePolicy } from '../../../src/router/decide/compile-policy.js';
import { decide, explain, OBJECTIVE_RULE } from '../../../src/router/decide/decide.js';
import type { PodView } from '../../../src/router/decide/pod-view.js';
import { objectivePolicy } from '../../support/policies.js';
import { podView } from '../../support/pod-view.js';
import { requestFeatures } from '../../support/request-features.js';

const policy = objectivePolicy(
  [
    { name: 'fp16', dtype: 'float16' },
    {
      name: 'spec',
      quantization: 'fp8',
      speculative: { method: 'eagle3', model: 'yuhuili/EAGLE3-LLaMA3.1-Instruct-8B', numSpeculativeTokens: 3 },
    },
  ],
  { rules: [{ name: 'pinned', when: "request.type == 'math'", mode: 'fp16' }] },
);
const compiled = compilePolicy(policy);

// Greedy decoding unless a test says otherwise: the speculative seed is taken at temperature 0.
const request = (over: Partial<RequestFeatures> = {}) => requestFeatures({ temperature: 0, ...over });

const pod = podView;

const states = new Map<string, ModeState>([
  ['fp16', { readyPods: 1n }],
  ['spec', { readyPods: 1n }],
]);
const run = (req: RequestFeatures, pods: Map<string, PodView[]>, qualityAllowance = 0.2) =>
  decide({ policy: compiled, bindings: { request: req, modes: states }, pods, qualityAllowance });

describe('decide with routing.strategy Objective', () => {
  it('sends a request no rule matched to the lowest-energy mode that meets the SLO, and says so', () => {
    const d = run(
      request(),
      new Map([
        ['fp16', [pod('a')]],
        ['spec', [pod('b')]],
      ]),
    );
    expect([d.rule, d.mode]).toEqual([OBJECTIVE_RULE, 'spec']);
    expect(explain(d)).toMatch(
      /^no rule matched, objective → spec \(lowest J\/token within the SLO: predicted TTFT 0\.0\d\d s, \d\.\d ms\/token, \d\.\d{3} J\/token at batch 1\); served by spec$/,
    );
  });

  it('predicts a speculative mode slower per token for a request sampled at a high temperature', () => {
    const pods = new Map([
      ['fp16', [pod('a')]],
      ['spec', [pod('b')]],
    ]);
    const msPerToken = (temperature: number, type = 'chat') =>
      Number(/(\d\.\d) ms\/token/.exec(explain(run(request({ temperature, type }), pods)))![1]);
    expect(msPerToken(1)).toBeGreaterThan(msPerToken(0));
    // Code keeps more of its acceptance when sampled (EAGLE-3 paper Table 1): a smaller step up than chat's.
    expect(msPerToken(1, 'code') - msPerToken(0, 'code')).toBeLessThan(msPerToken(1) - msPerToken(0));
  });

  it('never offers a domain expert (LoRA adapter) to requests outside its domains, nor sizes one that has no pods', () => {
    const withAdapter: InferenceModePolicy = structuredClone(policy);
    withAdapter.spec.modes.push({
      name: 'code',
      adapter: { base: 'fp16', source: '/models-cache/adapters/code', rank: 16 },
      domains: ['code'],
    });
    const c = compilePolicy(withAdapter);
    expect([...c.objective!.modes.keys()].sort()).toEqual(['fp16', 'spec']);
    const d = decide({
      policy: c,
      bindings: { request: request(), modes: states },
      pods: new Map([
        ['fp16', [pod('a')]],
        ['spec', [pod('b')]],
      ]),
      qualityAllowance: 0.2,
    });
    expect(d.mode).toBe('spec');
    expect(seedPolicyModels(resolvePolicy(withAdapter)).has('code')).toBe(false);
  });

  it('lets a matching rule win', () => {
    expect(
      run(
        request({ type: 'math' }),
        new Map([
          ['fp16', [pod('a')]],
          ['spec', [pod('b')]],
        ]),
      ),
    ).toMatchObject({ rule: 'pinned', mode: 'fp16' });
  });

  it('keeps to exact modes when the quality allowance does not cover the loss (FP8 loses 0.2 points on code)', () => {
    const pods = new Map([
      ['fp16', [pod('a')]],
      ['spec', [pod('b')]],
    ]);
    expect(run(request({ type: 'code' }), pods, 0).mode).toBe('fp16');
    expect(run(request({ type: 'code' }), pods, 0.2).mode).toBe('spec');
  });

  it('serves a request whose preferred mode is cold on a warm one and reports the cold mode as wanted', () => {
    const d = run(
      request(),
      new Map([
        ['fp16', [pod('a')]],
        ['spec', []],
      ]),
    );
    expect(d).toMatchObject({ rule: OBJECTIVE_RULE, mode: 'fp16', wanted: 'spec' });
    const metrics = createRouterMetrics({
      policy: () => 'ns/p',
      modeStates: () => new Map(),
      telemetryAge: () => undefined,
    });
    recordOutcome(metrics, {
      routed: { features: request(), decision: d, policy: compiled },
      policy: 'ns/p',
      code: 200,
      startedAt: 0,
      endedAt: 1,
    });
    return metrics.registry
      .metrics()
      .then((text) => expect(text).toContain('modeswitch_wanted_requests_total{policy="ns/p",mode="spec"} 1'));
  });

  it("moves off a mode whose load breaks the SLO, by the pod's own running and waiting requests", () => {
    // At 10 ms per token: EAGLE-3 on FP8 with 270 sequences in its engine is predicted past it, an idle FP16 pod not.
    const tight = compilePolicy({
      ...policy,
      spec: { ...policy.spec, objective: { ...policy.spec.objective, interTokenMeanSeconds: 0.01 } },
    });
    const loaded = pod('b', { running: 250, queueDepth: 20 });
    const d = decide({
      policy: tight,
      bindings: { request: request(), modes: states },
      pods: new Map([
        ['fp16', [pod('a')]],
        ['spec', [loaded]],
      ]),
      qualityAllowance: 0.2,
    });
    expect(d).toMatchObject({ mode: 'fp16', wanted: 'spec' });
    expect(d.objective).toMatch(/spec is past the SLO/);
  });
});
