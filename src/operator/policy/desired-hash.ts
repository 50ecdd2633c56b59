import { createHash } from 'node:crypto';
import type { KubeObject } from '../../kube/types.js';

export const DESIRED_HASH_ANNOTATION = 'modeswitch.io/desired-hash';

/**
 * The desired object with a hash of itself as an annotation. A field dropped from the spec (a node selector, a
 * limit) leaves the live object still "containing" everything desired; the hash changes, so the apply that removes
 * the field is not skipped. Pure.
 */
export function withDesiredHash(obj: KubeObject): KubeObject {
  const hash = createHash('sha256').update(JSON.stringify(obj)).digest('hex').slice(0, 16);
  return {
    ...obj,
    metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [DESIRED_HASH_ANNOTATION]: hash } },
  };
}
