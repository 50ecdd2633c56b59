/**
 * Operator cold start at scale on a real control plane (scripts/cluster.sh: kube-apiserver, etcd,
 * kube-controller-manager, kube-scheduler): the real operator against kube-apiserver. Figures: time until every
 * policy reports status, writes the operator issued, and its writes during a steady-state resync (goal: 0).
 * Sizes: BENCH_POLICIES (default 1000) x BENCH_MODES (default 4); modes and routers have 0 replicas, so the
 * figures are the operator's and the API server's, not pod scheduling's (the Deployment controller still creates
 * a ReplicaSet per Deployment).
 */
import { join } from 'node:path';
import { repoRoot } from '../src/api/repo-root.js';
import { API_VERSION, KIND } from '../src/api/v1alpha1/types.js';
import { systemClock } from '../src/kube/clock.js';
import { connectKube } from '../src/kube/connect.js';
import { createLogger } from '../src/observability/logger.js';
import { Operator } from '../src/operator/runtime/operator.js';
import { CountingClient } from './operator/counting-client.js';
import { startBenchCluster } from './operator/local-cluster.js';

const MODE_NAMES = ['fp16', 'fp8', 'int4', 'spec', 'prefix', 'int8'];
const NAMESPACES = 10;

function policy(i: number, modes: number) {
  const names = MODE_NAMES.slice(0, modes);
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: `model-${i}`, namespace: `team-${i % NAMESPACES}` },
    spec: {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      modes: names.map((name) =>
        name === 'fp16' ? { name, dtype: 'float16', replicas: 0 } : { name, quantization: 'fp8', replicas: 0 },
      ),
      routing: {
        defaultMode: names[0],
        rules: [{ name: 'short', when: 'request.inputTokens < 512', mode: names[names.length - 1] }],
      },
      router: { replicas: 0 },
    },
  };
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 1000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}

/** Runs `count` async jobs, `width` at a time. */
async function inParallel(count: number, width: number, job: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

export async function run(): Promise<void> {
  const policies = Number(process.env['BENCH_POLICIES'] ?? 1000);
  const modes = Number(process.env['BENCH_MODES'] ?? 4);
  const workers = Number(process.env['BENCH_WORKERS'] ?? 8);
  const timeoutMs = Number(process.env['BENCH_TIMEOUT_S'] ?? 900) * 1000;

  const clusterStarted = performance.now();
  const cluster = startBenchCluster();
  console.log(`control plane up in ${((performance.now() - clusterStarted) / 1000).toFixed(1)} s`);
  try {
    cluster.kubectl(['apply', '--server-side', '-f', join(repoRoot(), 'crds')]);
    // Polled rather than `kubectl wait`, which kubectl 1.32 fails on a CRD whose status is not written yet.
    const established = () => {
      const crd = JSON.parse(cluster.kubectl(['get', 'crd', 'inferencemodepolicies.modeswitch.io', '-o', 'json']));
      return (
        crd.status?.conditions?.some(
          (c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True',
        ) === true
      );
    };
    if (!(await waitFor(established, 60_000, 200))) throw new Error('the CRD was not Established within 60 s');
    for (let ns = 0; ns < Math.min(NAMESPACES, policies); ns++) cluster.kubectl(['create', 'namespace', `team-${ns}`]);
    const { client: admin, source } = connectKube({ path: cluster.kubeconfig });
    const createStarted = performance.now();
    await inParallel(policies, 8, (i) => admin.create(policy(i, modes)));
    console.log(`created ${policies} policies in ${((performance.now() - createStarted) / 1000).toFixed(1)} s`);

    const client = new CountingClient(admin);
    const operator = new Operator({
      client,
      source,
      workers,
      resyncPeriodMs: 0,
      clock: systemClock,
      logger: createLogger('bench', { level: 'error' }),
    });
    const reported = async () => {
      const list = await admin.list<{
        apiVersion: string;
        kind: string;
        metadata: { name: string };
        status?: { observedGeneration?: number };
      }>({ apiVersion: API_VERSION, kind: KIND });
      return list.items.filter((p) => p.status?.observedGeneration !== undefined).length;
    };
    const started = performance.now();
    operator.start();
    const converged = await waitFor(async () => (await reported()) >= policies, timeoutMs, 2000);
    const coldStartS = (performance.now() - started) / 1000;
    const done = await reported();
    // Let the watch events of our own writes arrive and be reconciled (they must change nothing).
    await waitFor(() => operator.queue.length === 0, 120_000, 200);
    await new Promise((r) => setTimeout(r, 3000));
    const writes = { ...client.writes };
    const totalWrites = client.total();

    const beforeResync = client.total();
    const resyncStarted = performance.now();
    operator.resync();
    await waitFor(() => operator.queue.length === 0, 300_000, 200);
    await new Promise((r) => setTimeout(r, 2000));
    const resyncS = (performance.now() - resyncStarted) / 1000;
    const resyncWrites = client.total() - beforeResync;
    await operator.stop();

    const objects = policies * (modes * 2 + 6);
    console.log(
      `operator cold start on kube-apiserver: ${policies} policies x ${modes} modes (${objects} owned objects), ${workers} workers`,
    );
    console.log(
      `  policies reporting status: ${done}/${policies} ${converged ? '' : '(timed out) '}after ${coldStartS.toFixed(1)} s (goal < 60 s)`,
    );
    console.log(
      `  writes issued: ${totalWrites} ${JSON.stringify(writes)} (${(totalWrites / policies).toFixed(1)} per policy; minimum ${objects + policies} applies + status)`,
    );
    console.log(
      `  steady-state resync of ${policies} policies: ${resyncWrites} writes (goal 0) in ${resyncS.toFixed(1)} s`,
    );
  } finally {
    cluster.down();
  }
}
