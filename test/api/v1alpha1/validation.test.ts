import { formatProblems, validatePolicy } from '../../../src/api/v1alpha1/validation.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { clone, loadExample } from '../../support/policies.js';

const example = loadExample();

function problemsOf(mutate: (p: InferenceModePolicy) => void) {
  const policy = clone(example);
  mutate(policy);
  return validatePolicy(policy).problems;
}

describe('validatePolicy', () => {
  it('accepts the default example and returns it typed', () => {
    const result = validatePolicy(clone(example));
    expect(result.problems).toEqual([]);
    expect(result.policy?.spec.modes.map((m) => m.name)).toEqual(['fp16', 'fp8', 'int4', 'spec']);
  });

  it('names the field of a duplicate mode', () => {
    const problems = problemsOf((p) => p.spec.modes.push({ name: 'fp8', quantization: 'fp8' }));
    expect(problems).toContainEqual({ path: 'spec.modes[4]', message: 'Duplicate value: "fp8"' });
  });

  it('rejects a rule that names an unknown mode', () => {
    const problems = problemsOf((p) => (p.spec.routing.rules![0]!.mode = 'fp4'));
    expect(formatProblems(problems)).toContain('every routing.rules[].mode must name a mode in spec.modes');
  });

  it('rejects a default or fallback mode that does not exist', () => {
    const problems = problemsOf((p) => {
      p.spec.routing.defaultMode = 'nope';
      p.spec.routing.fallback = ['fp8', 'gone'];
    });
    const text = formatProblems(problems);
    expect(text).toContain('routing.defaultMode must name a mode in spec.modes');
    expect(text).toContain('every routing.fallback entry must name a mode');
  });

  it('reports a CEL syntax error with the rule path', () => {
    const problems = problemsOf((p) =>
      p.spec.routing.rules!.push({ name: 'broken', when: 'request.inputTokens <', mode: 'fp8' }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('spec.routing.rules[1].when');
    expect(problems[0]!.message).toMatch(/does not parse/);
  });

  it('reports a misspelt request field and lists the known ones', () => {
    const problems = problemsOf((p) => (p.spec.routing.rules![0]!.when = 'request.inputTokenz > 3'));
    expect(problems[0]).toEqual({
      path: 'spec.routing.rules[0].when',
      message: expect.stringContaining('request has no field "inputTokenz"; known: model, inputTokens'),
    });
  });

  it('reports a rule reading an unknown mode or mode field', () => {
    const text = formatProblems(
      problemsOf((p) => (p.spec.routing.rules![0]!.when = "modes['fp4'].queueDepth < 3 || modes.fp8.queue < 2")),
    );
    expect(text).toContain('unknown mode "fp4"');
    expect(text).toContain(`modes['fp8'] has no field "queue"`);
  });

  it('rejects a rule that is not a condition', () => {
    const problems = problemsOf((p) => (p.spec.routing.rules![0]!.when = 'request.inputTokens + 1'));
    expect(problems[0]!.message).toBe('must evaluate to a bool');
  });

  it('reports unknown fields, wrong enums and out-of-range numbers with their paths', () => {
    const problems = problemsOf((p) => {
      (p.spec.modes[1] as unknown as Record<string, unknown>)['quantisation'] = 'fp8';
      p.spec.modes[0]!.dtype = 'fp16' as never;
      p.spec.modes[2]!.replicas = 100;
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'spec.modes[1].quantisation', message: 'unknown field' },
        {
          path: 'spec.modes[0].dtype',
          message: expect.stringContaining('Unsupported value: must be one of auto, half'),
        },
        { path: 'spec.modes[2].replicas', message: expect.stringContaining('must be <= 64') },
      ]),
    );
  });

  it('requires the model, modes and routing', () => {
    const problems = validatePolicy({
      apiVersion: 'modeswitch.io/v1alpha1',
      kind: 'InferenceModePolicy',
      metadata: { name: 'x' },
      spec: {},
    }).problems;
    expect(problems.map((p) => p.path)).toEqual(['spec.model', 'spec.modes', 'spec.routing']);
  });

  it('rejects a wrong kind, a missing name and non-objects', () => {
    expect(validatePolicy('hello').problems[0]!.message).toMatch(/must be a YAML or JSON object/);
    const problems = problemsOf((p) => {
      (p as { kind: string }).kind = 'Deployment';
      p.metadata.name = 'Bad_Name';
    });
    expect(problems.map((p) => p.path)).toContain('kind');
    // The name rule sits at the object's root, as kube-apiserver requires (it refuses a fieldPath into metadata).
    expect(problems).toContainEqual({
      path: '<root>',
      message: expect.stringMatching(/^metadata\.name must start with a letter/),
    });
  });

  it('checks speculative settings and the reserved router name', () => {
    const text = formatProblems(
      problemsOf((p) => {
        p.spec.modes[3]!.speculative = { method: 'eagle', numSpeculativeTokens: 3 };
        p.spec.modes[0]!.name = 'router';
        p.spec.routing.fallback = ['fp8'];
      }),
    );
    expect(text).toContain('speculative.model is required for eagle, eagle3, draft_model and dflash');
    expect(text).toContain("mode name 'router' is reserved");
  });

  it('rejects a policy name its Services could not carry: a leading digit, or too long for <name>-router', () => {
    for (const name of ['70b-chat', 'a'.repeat(57)]) {
      const problems = problemsOf((p) => (p.metadata.name = name));
      expect(problems).toContainEqual({
        path: '<root>',
        message: expect.stringMatching(/^metadata\.name must start with a letter/),
      });
    }
    expect(problemsOf((p) => (p.metadata.name = 'l'.repeat(32)))).toEqual([]);
  });

  it('keeps object names within DNS label length', () => {
    const problems = problemsOf((p) => {
      p.metadata.name = 'a'.repeat(40);
      p.spec.modes[0]!.name = 'b'.repeat(30);
    });
    expect(formatProblems(problems)).toContain('must not exceed 62 characters');
  });
});
