/**
 * Fake Kubernetes API server for integration tests: the real @kubernetes/client-node and kubectl talk to it over
 * plain HTTP on 127.0.0.1.
 *
 *   const server = await startFakeApiServer();            // loads <repo>/crds
 *   const kc = new k8s.KubeConfig(); kc.loadFromString(server.kubeconfig());
 *   server.store.setStatus('apps/v1', 'Deployment', 'web', 'llm', { readyReplicas: 1 });
 *   server.faults.failNext({ verb: 'patch', resource: 'deployments', status: 500 });
 *   server.requestLog.writeCounts();
 *   await server.close();
 */
export { startFakeApiServer, type FakeApiServer, type FakeApiServerOptions } from './server.js';
export { TestStore } from './test-store.js';
export { Faults, type FailNextOptions, type Verb } from './faults.js';
export { RequestLog, type RequestRecord, type RequestFilter } from './request-log.js';
export { ApiError, type Status } from './errors.js';
export { kubeconfigYaml, writeKubeconfigFile } from './kubeconfig.js';
export {
  systemClock,
  type Clock,
  type KubeObject,
  type ObjectMeta,
  type OwnerReference,
  type ManagedFieldsEntry,
} from './types.js';
export type { DeleteOptions, PropagationPolicy } from './writes.js';
