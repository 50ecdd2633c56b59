import { DEFAULT_CAPACITY, DEFAULT_OBJECTIVE, resolvePolicy } from '../../../src/api/v1alpha1/defaults.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { formatProblems, validatePolicy } from '../../../src/api/v1alpha1/validation.js';
import { clone, loadExample } from '../../support/policies.js';

const example = loadExample();

/** The example with a GPU budget: modes without a fixed replicas become autoscaled. */
function autoscaled(mutate: (p: InferenceModePolicy) => void = () => undefined): InferenceModePolicy {
  const policy = clone(example);
  policy.spec.capacity = { maxGpus: 4 };
  mutate(policy);
  return policy;
}

const problemsOf = (policy: InferenceModePolicy) => formatProblems(validatePolicy(policy).problems);

describe('spec.capacity and spec.objective', () => {
  it('keeps a policy without capacity static: every mode at its replicas', () => {
    const resolved = resolvePolicy(clone(example));
    expect(resolved.capacity).toBeUndefined();
    expect(resolved.modes.map((m) => [m.name, m.replicas, m.autoscale])).toEqual([
      ['fp16', 1, undefined],
      ['fp8', 1, undefined],
      ['int4', 0, undefined],
      ['spec', 1, undefined],
    ]);
    expect(resolved.routing.strategy).toBe('Rules');
  });

  it('autoscales modes without a fixed replicas, from zero up to the GPU budget, and leaves fixed ones alone', () => {
    const policy = autoscaled((p) => {
      p.spec.modes[0]!.minReplicas = 1;
      p.spec.modes[3]!.maxReplicas = 3;
    });
    expect(validatePolicy(policy).problems).toEqual([]);
    const resolved = resolvePolicy(policy);
    expect(resolved.capacity).toEqual({ ...DEFAULT_CAPACITY, maxGpus: 4 });
    expect(resolved.modes.map((m) => [m.name, m.replicas, m.autoscale])).toEqual([
      ['fp16', 1, { minReplicas: 1, maxReplicas: 4 }],
      ['fp8', 0, { minReplicas: 0, maxReplicas: 4 }],
      ['int4', 0, undefined],
      ['spec', 0, { minReplicas: 0, maxReplicas: 3 }],
    ]);
  });

  it('defaults the objective to the MLPerf server SLO with no accuracy to spend, and reads a p95 inter-token target', () => {
    expect(resolvePolicy(clone(example)).objective).toEqual({
      ttftP95Seconds: DEFAULT_OBJECTIVE.ttftP95Seconds,
      interToken: { statistic: 'mean', seconds: DEFAULT_OBJECTIVE.interTokenMeanSeconds },
      qualityBudgetPoints: 0,
    });
    const policy = autoscaled(
      (p) => (p.spec.objective = { ttftP95Seconds: 0.5, interTokenP95Seconds: 0.05, qualityBudgetPoints: 0.2 }),
    );
    expect(resolvePolicy(policy).objective).toEqual({
      ttftP95Seconds: 0.5,
      interToken: { statistic: 'p95', seconds: 0.05 },
      qualityBudgetPoints: 0.2,
    });
  });

  it('rejects a mode with both a fixed size and autoscaling bounds, or min above max, naming the mode', () => {
    const both = problemsOf(autoscaled((p) => (p.spec.modes[2]!.maxReplicas = 2)));
    expect(both).toContain(
      'spec.modes[2]: replicas fixes the size of a mode; set either replicas or minReplicas/maxReplicas, not both',
    );
    const inverted = problemsOf(autoscaled((p) => Object.assign(p.spec.modes[0]!, { minReplicas: 3, maxReplicas: 1 })));
    expect(inverted).toContain('spec.modes[0]: minReplicas must not exceed maxReplicas');
  });

  it('rejects autoscaling bounds without a GPU budget, and objective routing without an objective', () => {
    const policy = clone(example);
    policy.spec.modes[0]!.minReplicas = 1;
    policy.spec.routing.strategy = 'Objective';
    const text = problemsOf(policy);
    expect(text).toContain('minReplicas and maxReplicas need spec.capacity');
    expect(text).toContain('routing.strategy Objective needs spec.objective');
  });

  it('rejects two inter-token targets, a budget of no GPUs and an unknown actuation', () => {
    const policy = autoscaled((p) => {
      p.spec.objective = { interTokenMeanSeconds: 0.05, interTokenP95Seconds: 0.1 };
      p.spec.capacity = { maxGpus: 0, actuation: 'Keda' as never };
    });
    const text = problemsOf(policy);
    expect(text).toContain('spec.capacity.maxGpus: Invalid value: must be >= 1');
    expect(text).toContain('spec.capacity.actuation: Unsupported value: must be one of Operator, External');
    const two = problemsOf(
      autoscaled((p) => (p.spec.objective = { interTokenMeanSeconds: 0.05, interTokenP95Seconds: 0.1 })),
    );
    expect(two).toContain(
      'spec.objective: set either objective.interTokenMeanSeconds or objective.interTokenP95Seconds, not both',
    );
  });

  it('rejects floors that do not fit the GPU budget, and a maxReplicas beyond it', () => {
    const text = problemsOf(
      autoscaled((p) => {
        p.spec.capacity = { maxGpus: 2 };
        p.spec.modes[0]!.minReplicas = 2;
        p.spec.modes[1]!.maxReplicas = 3;
      }),
    );
    expect(text).not.toContain('already hold');
    expect(text).toContain('spec.modes[1].maxReplicas: 3 replicas of 1 GPUs exceed spec.capacity.maxGpus (2)');
    const over = problemsOf(
      autoscaled((p) => {
        p.spec.capacity = { maxGpus: 2 };
        p.spec.modes[0]!.minReplicas = 2;
        p.spec.modes[2]!.replicas = 1;
      }),
    );
    expect(over).toContain(
      'spec.capacity.maxGpus: fixed replicas and minReplicas already hold 3 GPUs, more than maxGpus (2)',
    );
  });
});
