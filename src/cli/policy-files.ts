import { readFileSync } from 'node:fs';
import { parseYamlDocuments, type LoadedDocument } from '../api/v1alpha1/policy-yaml.js';

export { MAX_POLICY_FILE_BYTES, yamlErrorLines, type LoadedDocument } from '../api/v1alpha1/policy-yaml.js';

/** Reads every YAML document of a file (`-` for stdin), each with all of its errors. */
export function loadYamlDocuments(
  file: string,
  readFile: (f: string) => string = (f) => readFileSync(f === '-' ? 0 : f, 'utf8'),
): LoadedDocument[] {
  return parseYamlDocuments(file, readFile(file));
}
