/**
 * The operator's view of Kubernetes: plain JSON objects and small ports. Only the files in this folder
 * know about @kubernetes/client-node; everything else is written (and tested) against these interfaces.
 */
import type { ObjectMeta } from '../api/v1alpha1/types.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The policy's metadata fields, plus the owner references every owned object carries. */
export interface KubeObjectMeta extends ObjectMeta {
  ownerReferences?: OwnerReference[];
}

/** Any Kubernetes object as JSON; kind-specific fields (spec, status, data, rules, ...) sit beside metadata. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
}

/** Identifies one object; namespace is absent for cluster-scoped kinds. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ListQuery {
  apiVersion: string;
  kind: string;
  /** Absent: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  /** E.g. `metadata.name=x`: a Role limited by resourceNames allows list and watch only with this selector. */
  fieldSelector?: string;
}

export interface ListResult<T extends KubeObject> {
  items: T[];
  /** The list's resourceVersion, where a watch resumes. */
  resourceVersion: string;
}

export interface ApplyOptions {
  fieldManager: string;
  force: boolean;
}

export interface EventInput {
  /** The object the event is about. */
  regarding: ObjectRef & { uid?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Who reports it, e.g. `modeswitch-operator`. */
  reportingController: string;
}

/** The calls the operator makes against the API server. Failures throw KubeApiError. */
export interface KubeClient {
  /** Undefined when the object does not exist. */
  get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubeObject = KubeObject>(query: ListQuery): Promise<ListResult<T>>;
  /** Server-side apply. */
  apply<T extends KubeObject = KubeObject>(obj: KubeObject, options: ApplyOptions): Promise<T>;
  /** JSON merge patch of `{status}` on the object's /status subresource (custom resources). */
  patchStatus<T extends KubeObject = KubeObject>(ref: ObjectRef, status: unknown): Promise<T>;
  /** POST; a KubeApiError with status 409 when the name is taken. */
  create<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T>;
  /** PUT; the object's metadata.resourceVersion makes it conditional (409 when someone wrote in between). */
  replace<T extends KubeObject = KubeObject>(obj: KubeObject): Promise<T>;
  /** False when the object was already gone. Background propagation so owned objects are collected. */
  delete(ref: ObjectRef): Promise<boolean>;
  createEvent(event: EventInput): Promise<void>;
}

/** An API call that failed; `status` is the HTTP status (0 when no response came back). */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409;
}

export function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace };
}

/** `namespace/name` (or `name` for cluster-scoped objects): cache and work-queue key. */
export function objectKey(meta: { name: string; namespace?: string }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}

export function parseObjectKey(key: string): { name: string; namespace?: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Reads, usually served from informer caches so a resync costs the API server nothing. */
export interface ObjectReader {
  get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubeObject = KubeObject>(query: ListQuery): Promise<T[]>;
}

export interface GroupVersionKind {
  apiVersion: string;
  kind: string;
}
