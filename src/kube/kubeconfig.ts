import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigOptions {
  /** A kubeconfig file; wins over KUBECONFIG and in-cluster config. */
  path?: string;
  /** Kubeconfig YAML itself (tests, or a config passed through the environment). */
  content?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The API server to talk to: an explicit file, else $KUBECONFIG, else the pod's service account when running
 * in a cluster, else ~/.kube/config (client-node's default order for the last three).
 */
export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  const env = options.env ?? process.env;
  if (options.content) kc.loadFromString(options.content);
  else if (options.path) kc.loadFromFile(options.path);
  else if (env['KUBECONFIG']) kc.loadFromFile(env['KUBECONFIG'].split(':')[0] as string);
  else if (env['KUBERNETES_SERVICE_HOST']) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster())
    throw new Error('no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run in a pod');
  return kc;
}

export type { KubeConfig };
