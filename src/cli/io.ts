import { readFileSync } from 'node:fs';

/** What a command prints and reads, injected so tests capture it instead of patching process. */
export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  readFile(path: string): string;
}

export const processIO: CommandIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readFile: (path) => readFileSync(path === '-' ? 0 : path, 'utf8'),
};
