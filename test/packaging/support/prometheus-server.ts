import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { requireTool } from './tools.js';

export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
}

export interface PrometheusOptions {
  targets: readonly ScrapeTarget[];
  ruleFiles?: readonly string[];
  /** Bound on the wait for /-/ready. */
  startTimeoutMs?: number;
}

export interface PrometheusServer {
  url: string;
  close(): Promise<void>;
}

/** Prometheus config scraping each target every second, one scrape config per job; rules are evaluated every second too. */
export function prometheusConfig(options: PrometheusOptions): string {
  const jobs = [...new Set(options.targets.map((t) => t.job))];
  return JSON.stringify({
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: jobs.map((job) => ({
      job_name: job,
      static_configs: [{ targets: options.targets.filter((t) => t.job === job).map((t) => t.address) }],
    })),
  });
}

async function waitReady(url: string, child: ChildProcess, logs: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${logs()}`);
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prometheus not ready after ${timeoutMs} ms:\n${logs()}`);
}

/** Runs the real prometheus binary on loopback with a throw-away TSDB. */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'modeswitch-prom-'));
  // JSON is YAML, so the config needs no YAML writer.
  writeFileSync(join(dir, 'prometheus.yml'), prometheusConfig(options));
  const port = await freePort();
  const child = spawn(
    requireTool('prometheus'),
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8192)));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => stderr, options.startTimeoutMs ?? 20_000);
  } catch (err) {
    await close();
    throw err;
  }
  return { url, close };
}
