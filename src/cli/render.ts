import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { formatProblems, validatePolicy } from '../api/v1alpha1/validation.js';
import { renderPolicy } from '../operator/render/index.js';
import { loadYamlDocuments, yamlErrorLines } from './policy-files.js';
import type { CommandIO } from './io.js';

export const RENDER_USAGE = 'usage: modeswitch render -f POLICY.yaml [--namespace NS]';

/** `modeswitch render`: the objects the operator would apply, as YAML (like `helm template`). */
export async function runRender(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { file: { type: 'string', short: 'f', multiple: true }, namespace: { type: 'string', short: 'n' } },
  });
  if (!values.file?.length) {
    io.err(RENDER_USAGE);
    return 2;
  }
  const out: string[] = [];
  for (const file of values.file) {
    const docs = loadYamlDocuments(file, io.readFile);
    const yamlErrors = yamlErrorLines(docs);
    if (yamlErrors.length > 0) {
      for (const line of yamlErrors) io.err(line);
      return 1;
    }
    for (const doc of docs) {
      const { policy, problems } = validatePolicy(doc.value);
      if (!policy) {
        io.err(`${file}: document ${doc.index} is not a valid policy: ${formatProblems(problems)}`);
        return 1;
      }
      if (values.namespace) policy.metadata.namespace = values.namespace;
      for (const obj of renderPolicy(policy)) out.push(stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false }));
    }
  }
  io.out(
    out
      .map((doc) => `---\n${doc}`)
      .join('')
      .trimEnd(),
  );
  return 0;
}
