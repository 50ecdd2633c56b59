/**
 * The gateways the router is compared with, each in its own process on loopback: HAProxy (the plain L7 baseline) and
 * Portkey's AI gateway (installed by scripts/install-bench-tools.sh). Facts about both: the shared reference notes
 * on peer gateways (nbthread 1 and http-reuse for HAProxy; Portkey's loopback binding, headers and override).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, haveCommands, portOpen } from './nginx.js';

export interface Peer {
  port: number;
  stop(): void;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Where scripts/install-bench-tools.sh puts Portkey's gateway. */
export const PORTKEY_SERVER = join(repoRoot, '.tools/portkey/node_modules/@portkey-ai/gateway/build/start-server.js');

/** Throws naming every tool the peer comparison needs and lacks, with the command that installs them. */
export async function requirePeerTools(): Promise<void> {
  const missing: string[] = [];
  for (const tool of ['nginx', 'haproxy', 'wrk']) if (!(await haveCommands(tool))) missing.push(tool);
  if (!existsSync(PORTKEY_SERVER)) missing.push(`Portkey gateway (${PORTKEY_SERVER})`);
  if (missing.length > 0)
    throw new Error(`router bench: missing ${missing.join(', ')}; run scripts/install-bench-tools.sh (as root)`);
}

/** Starts `command` and waits (bounded) until `port` accepts; throws with `what` when it does not. */
async function startProcess(
  what: string,
  port: number,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  waitMs = 10_000,
): Promise<Peer> {
  const proc: ChildProcess = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  for (let waited = 0; waited < waitMs && proc.exitCode === null && !(await portOpen(port)); waited += 100)
    await new Promise((r) => setTimeout(r, 100));
  if (proc.exitCode !== null || !(await portOpen(port))) {
    proc.kill('SIGTERM');
    throw new Error(`${what} did not start on port ${port}`);
  }
  return { port, stop: () => void proc.kill('SIGTERM') };
}

/** HAProxy 2.6 in HTTP mode, one thread (the router is one event loop), keep-alive reuse of backend connections. */
export async function haproxy(backendPort: number): Promise<Peer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'router-bench-haproxy-'));
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend bench
  bind 127.0.0.1:${port}
  default_backend engine
backend engine
  http-reuse always
  server engine 127.0.0.1:${backendPort}
`,
  );
  return startProcess('haproxy', port, 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
}

/**
 * Portkey's gateway, headless, in production mode. It has no host option and listens on every interface: a
 * preloaded module binds its one listener to loopback instead.
 */
export async function portkey(): Promise<Peer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'router-bench-portkey-'));
  const bindLoopback = join(dir, 'bind-loopback.mjs');
  writeFileSync(
    bindLoopback,
    `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) args.splice(1, 0, '127.0.0.1');
  return listen.apply(this, args);
};
`,
  );
  return startProcess(
    'Portkey gateway',
    port,
    process.execPath,
    ['--import', bindLoopback, PORTKEY_SERVER, `--port=${port}`, '--headless'],
    { ...process.env, NODE_ENV: 'production' },
    30_000,
  );
}
