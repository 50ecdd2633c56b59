import { systemClock } from '../../../src/kube/clock.js';
import { connectKube } from '../../../src/kube/connect.js';
import { createLogger } from '../../../src/observability/logger.js';
import { Operator } from '../../../src/operator/runtime/operator.js';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../../support/fake-apiserver/index.js';
export { eventually } from '../../support/eventually.js';

const POLICY_API = 'modeswitch.io/v1alpha1';
const POLICY_KIND = 'InferenceModePolicy';

export async function startServer(): Promise<FakeApiServer> {
  const server = await startFakeApiServer({ bookmarkIntervalMs: 200 });
  server.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'llm' } } as never);
  return server;
}

/** A real operator (client-node, informers, work queue, controller) against the fake API server. */
export function startOperator(server: FakeApiServer): Operator {
  const { client, source } = connectKube({ content: server.kubeconfig() });
  const operator = new Operator({
    client,
    source,
    workers: 2,
    resyncPeriodMs: 0,
    clock: systemClock,
    logger: createLogger('operator-test', { level: process.env['TEST_LOG_LEVEL'] ?? 'error' }),
  });
  operator.start();
  return operator;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete']);

/** Writes other than lease renewals (which a leader makes forever). */
function objectWrites(server: FakeApiServer): number {
  return server.requestLog.entries().filter((r) => r.verb && WRITE_VERBS.has(r.verb) && r.resource !== 'leases').length;
}

/** Waits until nothing but leases has been written for quietMs (the operator has converged). */
export async function settled(server: FakeApiServer, quietMs = 600, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = objectWrites(server);
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error('the operator kept writing');
    await new Promise((r) => setTimeout(r, 50));
    const now = objectWrites(server);
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

export function policy(server: FakeApiServer, name = 'llama'): KubeObject & { status?: any; spec: any } {
  return server.store.get(POLICY_API, POLICY_KIND, name, 'llm') as never;
}

export function names(server: FakeApiServer, apiVersion: string, kind: string): string[] {
  return server.store
    .list(apiVersion, kind, 'llm')
    .map((o) => String(o.metadata.name))
    .sort();
}

/** Plays the Deployment controller: every Deployment reports all its replicas ready. */
export function markDeploymentsReady(server: FakeApiServer): void {
  for (const d of server.store.list('apps/v1', 'Deployment', 'llm')) {
    const replicas = (d['spec'] as { replicas: number }).replicas;
    server.store.setStatus('apps/v1', 'Deployment', String(d.metadata.name), 'llm', {
      replicas,
      readyReplicas: replicas,
    });
  }
}
