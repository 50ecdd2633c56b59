import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { MODE_VARIABLES, REQUEST_VARIABLES } from '../../src/api/v1alpha1/rule-env.js';
import type { RuleVariable } from '../../src/api/v1alpha1/rule-env.js';
import type { InferenceModePolicy } from '../../src/api/v1alpha1/types.js';
import { validatePolicy } from '../../src/api/v1alpha1/validation.js';
import { compilePolicy } from '../../src/router/decide/compile-policy.js';

const DOC = readFileSync(fileURLToPath(new URL('../../docs/rules.md', import.meta.url)), 'utf8');

/** The variable table as docs/rules.md must show it (rule-env.ts is the source of truth). */
function table(prefix: string, vars: Record<string, RuleVariable>): string {
  const rows = Object.entries(vars).map(
    ([name, v]) => `| \`${prefix}${name}\` | ${v.type} | ${v.unit ?? ''} | ${v.description} |`,
  );
  return ['| variable | type | unit | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

describe('docs/rules.md', () => {
  it('lists every CEL variable with the type, unit and meaning rule-env.ts gives it', () => {
    expect(DOC).toContain(table('request.', REQUEST_VARIABLES));
    expect(DOC).toContain(table("modes['<mode>'].", MODE_VARIABLES));
  });

  it('has worked examples that are valid policies the router compiles, every rule on the fast path', () => {
    const examples = [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
      (m) => parseYaml(m[1] as string) as InferenceModePolicy,
    );
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of examples) {
      const { policy, problems } = validatePolicy(example);
      expect([example.metadata.name, problems]).toEqual([example.metadata.name, []]);
      expect(compilePolicy(policy as InferenceModePolicy).rules.every((r) => r.fast)).toBe(true);
    }
  });
});
