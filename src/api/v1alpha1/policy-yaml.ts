/** Policy files as YAML: every document with all of its errors, parsed in time linear in the text. */
import { isMap, isScalar, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document } from 'yaml';
import { echo } from './problem.js';

export interface LoadedDocument {
  source: string;
  /** 1-based position of the document in its file. */
  index: number;
  /** Set when the document parsed without errors and is not empty. */
  value?: unknown;
  /** Every YAML error of the document (syntax, duplicate keys), each with its line and column. */
  errors: string[];
}

/** Largest policy file read: the API server takes no object over 3 MiB, so a larger file cannot be applied anyway. */
export const MAX_POLICY_FILE_BYTES = 3 * 1024 * 1024;

/**
 * Every YAML document of a file's text with all of its errors. Duplicate keys are found in one pass here: the yaml
 * package's own check (uniqueKeys) compares each key with every earlier one, so a map of 50,000 keys took 28 s.
 */
export function parseYamlDocuments(file: string, text: string): LoadedDocument[] {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_POLICY_FILE_BYTES) {
    const error = `${bytes} bytes, more than the ${MAX_POLICY_FILE_BYTES} a policy file may have (the API server takes no object over 3 MiB)`;
    return [{ source: file, index: 1, errors: [error] }];
  }
  const lineCounter = new LineCounter();
  const out: LoadedDocument[] = [];
  parseAllDocuments(text, { uniqueKeys: false, lineCounter }).forEach((doc, i) => {
    const at = { source: file, index: i + 1 };
    // The first line of each message names the place: `... at line 3, column 7:`; the rest repeats the source.
    const errors = [...doc.errors.map((e) => e.message.split('\n')[0]!), ...duplicateKeys(doc, lineCounter)];
    if (errors.length > 0) {
      out.push({ ...at, errors });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (err) {
      // Alias expansion past maxAliasCount (a "billion laughs" document) throws.
      out.push({ ...at, errors: [(err as Error).message] });
      return;
    }
    if (value !== null && value !== undefined) out.push({ ...at, value, errors: [] });
  });
  return out;
}

function duplicateKeys(doc: Document.Parsed, lines: LineCounter): string[] {
  const found: string[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = pair.key.value;
        if (seen.has(key)) {
          const { line, col } = lines.linePos(pair.key.range?.[0] ?? 0);
          found.push(`Map keys must be unique at line ${line}, column ${col}: ${echo(String(key))}`);
        }
        seen.add(key);
      }
    },
  });
  return found;
}

/** All YAML errors of a file's documents, one line each. */
export function yamlErrorLines(docs: readonly LoadedDocument[]): string[] {
  return docs.flatMap((d) => d.errors.map((e) => `${d.source}: document ${d.index}: ${e}`));
}
