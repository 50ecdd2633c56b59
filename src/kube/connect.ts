import { ClientNodeKubeClient } from './client.js';
import { ClientNodeWatchSource } from './client-node-watch-source.js';
import { loadKubeConfig, type KubeConfigOptions } from './kubeconfig.js';
import type { GroupVersionKind, KubeClient } from './types.js';
import type { WatchSource } from './watch-source.js';

export interface KubeConnection {
  client: KubeClient;
  source: WatchSource;
  /** The API server URL, for logs. */
  server: string;
  /** Whether the API server serves a kind (discovery); false when it cannot say. */
  serves(gvk: GroupVersionKind): Promise<boolean>;
}

/** The client-node implementations of the ports, for one kubeconfig. */
export function connectKube(options: KubeConfigOptions = {}): KubeConnection {
  const kubeConfig = loadKubeConfig(options);
  const client = new ClientNodeKubeClient(kubeConfig);
  return {
    client,
    source: new ClientNodeWatchSource({ kubeConfig, client }),
    server: kubeConfig.getCurrentCluster()?.server ?? '',
    serves: (gvk) =>
      client.resourceOf(gvk.apiVersion, gvk.kind).then(
        () => true,
        () => false,
      ),
  };
}
