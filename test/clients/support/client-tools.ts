/** The clients written by others that scripts/install-clients.sh installs (npm test's setup step), and a runner. */
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const INSTALL_HINT = 'run scripts/install-clients.sh (npm test runs it through scripts/setup.sh)';

function requireFile(path: string, what: string): string {
  try {
    accessSync(path, constants.R_OK);
    return path;
  } catch {
    throw new Error(`${what} not found at ${path}: ${INSTALL_HINT}`);
  }
}

/** The pinned versions in tools/versions.env, as the shell scripts read them. */
function pinned(name: string): string {
  const text = readFileSync(join(REPO_ROOT, 'tools/versions.env'), 'utf8');
  const value = new RegExp(`^${name}=(\\S+)$`, 'm').exec(text)?.[1];
  if (!value) throw new Error(`tools/versions.env has no ${name}`);
  return value;
}

export const grpcurl = () =>
  requireFile(join(REPO_ROOT, `.tools/grpcurl-${pinned('GRPCURL_VERSION')}/grpcurl`), 'grpcurl');
/** A program of the clients' virtualenv: python, guidellm, inference-perf. */
export const venvProgram = (name: string) => requireFile(join(REPO_ROOT, '.tools/python-clients/bin', name), name);
/** The Hugging Face tokenizer directory built from llama3-tokenizer-js. */
export function tokenizerDir(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/llama3-tokenizer-js/package.json'), 'utf8')) as {
    version: string;
  };
  const dir = join(REPO_ROOT, `.tools/llama3-tokenizer-${pkg.version}`);
  requireFile(join(dir, 'tokenizer.json'), 'the Llama 3 tokenizer directory');
  return dir;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a client to completion without blocking the event loop (the router under test lives in this process).
 * Killed after timeoutMs; the output is returned, never printed.
 */
export function run(
  command: string,
  args: readonly string[],
  opts: { timeoutMs?: number; cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      {
        cwd: opts.cwd ?? REPO_ROOT,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 64 * 1024 * 1024,
        // No proxies (traffic stays on loopback) and no model hub: the clients must work offline.
        env: { ...process.env, NO_PROXY: '*', HF_HUB_OFFLINE: '1', ...opts.env },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** A run that must succeed: otherwise the error carries what the client said. */
export async function runOk(...args: Parameters<typeof run>): Promise<Run> {
  const r = await run(...args);
  if (r.code !== 0)
    throw new Error(
      `${args[0]} ${args[1].join(' ')} exited ${r.code}\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`,
    );
  return r;
}
