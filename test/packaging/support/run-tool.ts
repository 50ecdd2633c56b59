import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './paths.js';

export interface ToolResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion in the repository root; output is returned, never printed. */
export function runTool(command: string, args: readonly string[], timeoutMs = 60_000): ToolResult {
  const result = spawnSync(command, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
