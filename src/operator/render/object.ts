import type { KubeObject as KubeObjectBase, OwnerReference } from '../../kube/types.js';

export type { OwnerReference };

/** A Kubernetes object as the renderer produces it: plain JSON, kind-specific fields beside metadata. */
export interface KubeObject extends KubeObjectBase {
  [key: string]: unknown;
}
