import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** A bench role in its own process, so its event loop and GC never count against another role's figures. */
export interface BenchChild<Ready> {
  child: ChildProcess;
  ready: Ready;
  /** Sends one request message and resolves with the next message the child sends back. */
  ask<T>(message: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** Forks a compiled bench/router/*.js module and waits for its first message (its "ready" report). */
export interface ForkOptions {
  env?: Record<string, string>;
  execArgv?: string[];
  /** File descriptor for the child's stderr (its log); the bench's own stderr by default. */
  stderr?: number;
}

export function forkChild<Ready>(file: URL, options: ForkOptions = {}): Promise<BenchChild<Ready>> {
  const child = fork(file, [], {
    env: { ...process.env, ...options.env },
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'inherit', options.stderr ?? 'inherit', 'ipc'],
  });
  const ask = <T>(message: unknown) =>
    new Promise<T>((resolve, reject) => {
      const died = (code: number | null) => reject(new Error(`${file.pathname} exited (${code}) before answering`));
      child.once('exit', died);
      child.once('message', (m) => {
        child.off('exit', died);
        resolve(m as T);
      });
      child.send(message as object);
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    child.once('message', (ready) => resolve({ child, ready: ready as Ready, ask, stop }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${file.pathname} exited (${code}) before it was ready`)));
  });
}
