/**
 * Operator cold start at scale: the real operator (client-node, informers, work queue, controller) against the
 * in-process fake API server. Figures: time until every policy reports status, API writes issued, and writes
 * during a steady-state resync (goal: 0). Sizes: BENCH_POLICIES (default 1000) x BENCH_MODES (default 4).
 */
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/kube/clock.js';
import { connectKube } from '../src/kube/connect.js';
import { createLogger } from '../src/observability/logger.js';
import { Operator } from '../src/operator/operator.js';
import { startFakeApiServer, type FakeApiServer } from '../test/support/fake-apiserver/index.js';

const POLICY_API = 'modeswitch.io/v1alpha1';
const POLICY_KIND = 'InferenceModePolicy';
/** The repository's crds/, from bench/ in the source tree or dist/bench once compiled. */
const CRD_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../crds' : '../crds', import.meta.url));
const MODE_NAMES = ['fp16', 'fp8', 'int4', 'spec', 'prefix', 'int8'];

function policy(i: number, modes: number) {
  const names = MODE_NAMES.slice(0, modes);
  return {
    apiVersion: POLICY_API,
    kind: POLICY_KIND,
    metadata: { name: `model-${i}`, namespace: `team-${i % 10}` },
    spec: {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      modes: names.map((name) => (name === 'fp16' ? { name, dtype: 'float16' } : { name, quantization: 'fp8' })),
      routing: { defaultMode: names[0], rules: [{ name: 'short', when: 'request.inputTokens < 512', mode: names[names.length - 1] }] },
    },
  };
}

function reported(server: FakeApiServer, expected: number): number {
  let done = 0;
  for (const p of server.store.list(POLICY_API, POLICY_KIND) as { status?: { observedGeneration?: number } }[]) {
    if (p.status?.observedGeneration !== undefined) done++;
  }
  return Math.min(done, expected);
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

export async function run(): Promise<void> {
  const policies = Number(process.env['BENCH_POLICIES'] ?? 1000);
  const modes = Number(process.env['BENCH_MODES'] ?? 4);
  const workers = Number(process.env['BENCH_WORKERS'] ?? 8);
  const server = await startFakeApiServer({ crdDir: CRD_DIR, eventLogSize: 200_000 });
  for (let ns = 0; ns < Math.min(10, policies); ns++) server.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `team-${ns}` } });
  for (let i = 0; i < policies; i++) server.store.create(policy(i, modes) as never);
  server.requestLog.clear();

  const { client, source } = connectKube({ content: server.kubeconfig() });
  const operator = new Operator({ client, source, workers, resyncPeriodMs: 0, clock: systemClock, logger: createLogger('bench', { level: 'error' }) });
  const started = performance.now();
  operator.start();
  const converged = await waitFor(() => reported(server, policies) === policies, 300_000);
  const coldStartS = (performance.now() - started) / 1000;
  // Let the watch events of our own writes arrive and be reconciled (they must change nothing).
  await waitFor(() => operator.queue.length === 0, 60_000);
  await new Promise((r) => setTimeout(r, 2000));
  const writes = server.requestLog.writeCounts();
  const totalWrites = server.requestLog.writes();

  const beforeResync = server.requestLog.writes();
  const resyncStarted = performance.now();
  operator.resync();
  await waitFor(() => operator.queue.length === 0, 120_000);
  await new Promise((r) => setTimeout(r, 1000));
  const resyncS = (performance.now() - resyncStarted) / 1000;
  const resyncWrites = server.requestLog.writes() - beforeResync;
  await operator.stop();
  await server.close();

  const objects = policies * (modes * 2 + 6);
  console.log(`operator cold start: ${policies} policies x ${modes} modes (${objects} owned objects), ${workers} workers`);
  console.log(`  all policies reported status: ${converged ? 'yes' : 'NO (timed out)'} in ${coldStartS.toFixed(1)} s (goal < 60 s)`);
  console.log(`  API writes: ${totalWrites} total ${JSON.stringify(writes)} (${(totalWrites / policies).toFixed(1)} per policy; minimum ${objects + policies} applies + status)`);
  console.log(`  steady-state resync of ${policies} policies: ${resyncWrites} writes (goal 0) in ${resyncS.toFixed(1)} s`);
}
