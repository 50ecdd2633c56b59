import type { PodSpecLike } from './pod-security.js';
import { findManifest, type Manifest } from './render-chart.js';

export interface OperatorContainer {
  name: string;
  image: string;
  args: string[];
  env?: { name: string; value?: string }[];
  ports: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface OperatorDeployment {
  manifest: Manifest;
  replicas: number;
  pod: PodSpecLike & { serviceAccountName: string };
  container: OperatorContainer;
}

/** The operator Deployment of a rendered chart, with its pod spec and single container pulled out. */
export function operatorDeployment(manifests: readonly Manifest[]): OperatorDeployment {
  const manifest =
    manifests.find(
      (m) => m.kind === 'Deployment' && m.metadata.labels?.['app.kubernetes.io/component'] === 'operator',
    ) ?? findManifest(manifests, 'Deployment');
  const spec = manifest['spec'] as {
    replicas: number;
    template: { spec: PodSpecLike & { serviceAccountName: string } };
  };
  const container = spec.template.spec.containers[0] as unknown as OperatorContainer | undefined;
  if (!container) throw new Error('operator Deployment has no container');
  return { manifest, replicas: spec.replicas, pod: spec.template.spec, container };
}
