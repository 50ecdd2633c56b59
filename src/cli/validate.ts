import { parseArgs } from 'node:util';
import { echo } from '../api/v1alpha1/problem.js';
import { validatePolicy } from '../api/v1alpha1/validation.js';
import { loadYamlDocuments } from './policy-files.js';
import type { CommandIO } from './io.js';

export const VALIDATE_USAGE = 'usage: modeswitch validate -f POLICY.yaml [-f ...]';

/** Most problems printed per document: a file of 50,000 unknown fields gets the first ones and a count. */
const MAX_PRINTED = 200;

/**
 * `modeswitch validate`: every problem of every document in one run, each with its field path (YAML errors with
 * their line); exit 1 if any. Warnings do not fail.
 */
export async function runValidate(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { file: { type: 'string', short: 'f', multiple: true } } });
  if (!values.file?.length) {
    io.err(VALIDATE_USAGE);
    return 2;
  }
  let failures = 0;
  for (const file of values.file) {
    for (const doc of loadYamlDocuments(file, io.readFile)) {
      if (doc.errors.length > 0) {
        failures++;
        io.err(`${file}: document ${doc.index} is not valid YAML:`);
        printCapped(doc.errors, io);
        continue;
      }
      const { policy, problems, warnings = [] } = validatePolicy(doc.value);
      if (policy) {
        io.out(
          `${file}: policy ${policy.metadata.namespace ?? 'default'}/${policy.metadata.name} is valid${warnings.length ? ', with warnings:' : ''}`,
        );
        for (const w of warnings) io.out(`  warning: ${w.path}: ${w.message}`);
        continue;
      }
      failures++;
      const name = (doc.value as { metadata?: { name?: unknown } })?.metadata?.name;
      io.err(`${file}: policy ${name === undefined ? `document ${doc.index}` : echo(name)} is invalid:`);
      printCapped(
        problems.map((p) => `${p.path}: ${p.message}`),
        io,
      );
    }
  }
  return failures > 0 ? 1 : 0;
}

function printCapped(lines: readonly string[], io: CommandIO): void {
  for (const line of lines.slice(0, MAX_PRINTED)) io.err(`  ${line}`);
  if (lines.length > MAX_PRINTED) io.err(`  ... and ${lines.length - MAX_PRINTED} more`);
}
