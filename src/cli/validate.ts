import { parseArgs } from 'node:util';
import { validatePolicy } from '../api/v1alpha1/validation.js';
import { loadYamlDocuments } from './policy-files.js';
import type { CommandIO } from './io.js';

export const VALIDATE_USAGE = 'usage: modeswitch validate -f POLICY.yaml [-f ...]';

/** `modeswitch validate`: every problem of every policy, each with its field path; exit 1 if any. Warnings do not fail. */
export async function runValidate(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { file: { type: 'string', short: 'f', multiple: true } } });
  if (!values.file?.length) {
    io.err(VALIDATE_USAGE);
    return 2;
  }
  let failures = 0;
  for (const file of values.file) {
    for (const doc of loadYamlDocuments(file, io.readFile)) {
      const { policy, problems, warnings = [] } = validatePolicy(doc.value);
      if (policy) {
        io.out(
          `${file}: policy ${policy.metadata.namespace ?? 'default'}/${policy.metadata.name} is valid${warnings.length ? ', with warnings:' : ''}`,
        );
        for (const w of warnings) io.out(`  warning: ${w.path}: ${w.message}`);
        continue;
      }
      failures++;
      const name = (doc.value as { metadata?: { name?: string } })?.metadata?.name ?? `document ${doc.index}`;
      io.err(`${file}: policy ${name} is invalid:`);
      for (const p of problems) io.err(`  ${p.path}: ${p.message}`);
    }
  }
  return failures > 0 ? 1 : 0;
}
