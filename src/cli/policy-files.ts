import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export interface LoadedDocument {
  source: string;
  /** 1-based position of the document in its file. */
  index: number;
  value: unknown;
}

/** Reads every YAML document of a file (`-` for stdin); YAML syntax errors are thrown with the file name. */
export function loadYamlDocuments(
  file: string,
  readFile: (f: string) => string = (f) => readFileSync(f === '-' ? 0 : f, 'utf8'),
): LoadedDocument[] {
  const docs = parseAllDocuments(readFile(file));
  const out: LoadedDocument[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${file}: document ${i + 1}: ${doc.errors[0]!.message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) out.push({ source: file, index: i + 1, value });
  });
  return out;
}
