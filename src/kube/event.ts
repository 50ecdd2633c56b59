import type { EventInput, KubeObject } from './types.js';

/**
 * A core/v1 Event about an object, named like client-go's recorder (`<object>.<unique suffix>`) so repeated
 * reasons never collide. Pure apart from the time passed in.
 */
export function buildEvent(input: EventInput, now: Date): KubeObject {
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const suffix = `${now.getTime().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${input.regarding.name}.${suffix}`, namespace: input.regarding.namespace ?? 'default' },
    involvedObject: {
      apiVersion: input.regarding.apiVersion,
      kind: input.regarding.kind,
      name: input.regarding.name,
      namespace: input.regarding.namespace,
      uid: input.regarding.uid,
    },
    type: input.type,
    reason: input.reason,
    message: input.message.slice(0, 1024),
    source: { component: input.reportingController },
    reportingComponent: input.reportingController,
    reportingInstance: input.reportingController,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  } as KubeObject;
}
