import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const exec = promisify(execFile);

export async function haveCommands(...names: string[]): Promise<boolean> {
  return Promise.all(names.map((n) => exec('which', [n]))).then(
    () => true,
    () => false,
  );
}

export interface Nginx {
  port: number;
  stop(): void;
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
}

/** A port the kernel just handed out (then released): unlike a random pick, not one of the ephemeral ports in use. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * One nginx master with ONE worker (the router is one Node event loop) serving `server` (an nginx server block
 * body; PORT is replaced by the port chosen), with `http` extra directives. Waits (bounded) until it accepts.
 */
export async function startNginx(server: string, http = ''): Promise<Nginx> {
  // The port can be taken between freePort and nginx's bind: try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNginxOn(await freePort(), server, http);
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

async function startNginxOn(port: number, server: string, http: string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'router-bench-nginx-'));
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log; daemon off;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  keepalive_requests 1000000; keepalive_timeout 120s;
  ${http}
  server { listen 127.0.0.1:${port}; ${server} } }
`,
  );
  const proc: ChildProcess = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  for (let i = 0; i < 50 && proc.exitCode === null && !(await portOpen(port)); i++)
    await new Promise((r) => setTimeout(r, 100));
  if (proc.exitCode !== null || !(await portOpen(port))) {
    proc.kill('SIGTERM');
    throw new Error(`nginx did not start (see ${dir}/error.log)`);
  }
  return { port, stop: () => void proc.kill('SIGTERM') };
}

/**
 * nginx answering every request with a fixed body (`contentType`: JSON, or server-sent events for a streamed
 * answer) and /metrics with a fixed vLLM scrape: the cheapest possible backend, used directly and behind every proxy.
 */
export function nginxBackend(answer: string, metrics: string, contentType = 'application/json'): Promise<Nginx> {
  return startNginx(`location = /metrics { default_type text/plain; return 200 '${metrics}'; }
    location = /health { return 200; }
    location / { default_type ${contentType}; return 200 '${answer}'; }`);
}

/** nginx as a reverse proxy with a keep-alive upstream pool, the reference the router's throughput is compared to. */
export function nginxProxy(backendPort: number): Promise<Nginx> {
  return startNginx(
    'location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }',
    `upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; keepalive_requests 1000000; }`,
  );
}
