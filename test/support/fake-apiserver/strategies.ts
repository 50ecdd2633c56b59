import { establishedCrdStatus, resourcesOfCrd } from './crd.js';
import { invalid } from './errors.js';
import type { ApiResource } from './resources.js';
import type { KubeObject } from './types.js';

/** Server-side defaults some built-in kinds get on every write (what controllers of a real cluster would set at once). */
export function applyKindStrategy(resource: ApiResource, object: KubeObject, now: string): void {
  if (resource.group === '' && resource.kind === 'Namespace' && !object['status']) {
    object['status'] = { phase: 'Active' };
  }
  if (resource.group === '' && resource.kind === 'Secret' && object['stringData']) {
    // The real server folds stringData into data (base64) and never stores stringData.
    const data = { ...((object['data'] as Record<string, string> | undefined) ?? {}) };
    for (const [key, value] of Object.entries(object['stringData'] as Record<string, string>)) {
      data[key] = Buffer.from(value, 'utf8').toString('base64');
    }
    object['data'] = data;
    delete object['stringData'];
  }
  if (resource.group === 'apiextensions.k8s.io' && resource.kind === 'CustomResourceDefinition') {
    try {
      resourcesOfCrd(object);
    } catch (error) {
      throw invalid(resource.kind, resource.group, object.metadata.name ?? '', [
        { field: 'spec', reason: 'FieldValueInvalid', detail: `Invalid value: "object": ${(error as Error).message}` },
      ]);
    }
    object['status'] = establishedCrdStatus(object, now);
  }
}
