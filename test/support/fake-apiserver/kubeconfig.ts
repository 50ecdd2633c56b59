import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * A kubeconfig for a plain-HTTP server without authentication, readable by kubectl and client-node.
 * client-node 1.x refuses http:// servers unless insecure-skip-tls-verify is set; kubectl ignores it for http.
 */
export function kubeconfigYaml(serverUrl: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server: serverUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake', user: {} }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace } }],
    'current-context': 'fake',
    preferences: {},
  });
}

/** Writes `kubeconfig` into dir and returns its path. */
export function writeKubeconfigFile(dir: string, serverUrl: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, kubeconfigYaml(serverUrl));
  return path;
}
