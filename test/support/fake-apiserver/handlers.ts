import { parse as parseYaml } from 'yaml';
import { applyConfiguration } from './apply.js';
import {
  ApiError,
  badRequest,
  BODY_TYPES,
  methodNotAllowed,
  notFound,
  PATCH_TYPES,
  unsupportedMediaType,
} from './errors.js';
import type { Verb } from './faults.js';
import { jsonPatch, mergePatch } from './patch.js';
import { apiVersionOf, type ApiResource } from './resources.js';
import { matchesSelector, parseSelector } from './selectors.js';
import { toTable, wantsTable } from './table.js';
import type { ObjectStore } from './store.js';
import { type Clock, formatTimestamp, isPlainObject, type KubeObject } from './types.js';
import type { ObjectWriter, PropagationPolicy } from './writes.js';

export interface ResourceRequest {
  verb: Verb;
  resource: ApiResource;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
  body: Buffer;
  contentType: string;
  /** Accept header: kubectl asks for Tables. */
  accept: string | undefined;
  /** Field manager for non-apply writes when the query names none (the real server derives it from User-Agent). */
  defaultManager: string;
}

export interface HandlerContext {
  store: ObjectStore;
  writer: ObjectWriter;
  clock: Clock;
}

export interface HandlerResult {
  status: number;
  body: unknown;
}

/** Answers one non-watch resource request; throws ApiError for Kubernetes failures. */
export function handleResourceRequest(ctx: HandlerContext, req: ResourceRequest): HandlerResult {
  if (req.subresource && !(req.subresource === 'status' && req.resource.statusSubresource)) {
    throw notFound({ group: req.resource.group, plural: `${req.resource.plural}/${req.subresource}` }, req.name ?? '');
  }
  if (req.query.get('dryRun')) throw badRequest('dryRun is not supported by the fake API server');
  switch (req.verb) {
    case 'get': {
      const object = shown(req.resource, getOrThrow(ctx, req));
      return { status: 200, body: wantsTable(req.accept) ? table(ctx, req, [object], {}) : object };
    }
    case 'list':
      return { status: 200, body: listObjects(ctx, req) };
    case 'create':
      return { status: 201, body: shown(req.resource, create(ctx, req)) };
    case 'update':
      return { status: 200, body: shown(req.resource, update(ctx, req)) };
    case 'patch':
      return patch(ctx, req);
    case 'delete':
      return { status: 200, body: shown(req.resource, remove(ctx, req, req.name ?? '')) };
    case 'deletecollection':
      return { status: 200, body: deleteCollection(ctx, req) };
    default:
      throw methodNotAllowed(`${req.verb} is not supported here`);
  }
}

function shown(resource: ApiResource, object: KubeObject): KubeObject {
  const apiVersion = apiVersionOf(resource);
  return object.apiVersion === apiVersion ? object : { ...object, apiVersion };
}

function manager(req: ResourceRequest): string {
  return req.query.get('fieldManager') || req.defaultManager;
}

function getOrThrow(ctx: HandlerContext, req: ResourceRequest): KubeObject {
  const object = ctx.store.get(req.resource, req.namespace ?? '', req.name ?? '');
  if (!object) throw notFound(req.resource, req.name ?? '');
  return object;
}

function listObjects(ctx: HandlerContext, req: ResourceRequest): object {
  const selector = parseSelector(
    req.query.get('labelSelector') ?? undefined,
    req.query.get('fieldSelector') ?? undefined,
  );
  const all = ctx.store.list(req.resource, req.namespace).filter((o) => matchesSelector(selector, o));
  all.sort((a, b) => orderKey(a).localeCompare(orderKey(b)));
  const limit = Number(req.query.get('limit') ?? 0);
  const resourceVersion = String(ctx.store.currentResourceVersion());
  let start = 0;
  const token = req.query.get('continue');
  if (token) {
    const after = Buffer.from(token, 'base64url').toString('utf8');
    start = all.findIndex((o) => orderKey(o) > after);
    if (start < 0) start = all.length;
  }
  const page = limit > 0 ? all.slice(start, start + limit) : all.slice(start);
  const remaining = all.length - start - page.length;
  const last = page[page.length - 1];
  const metadata: Record<string, unknown> = { resourceVersion };
  if (remaining > 0 && last) {
    metadata['continue'] = Buffer.from(orderKey(last), 'utf8').toString('base64url');
    metadata['remainingItemCount'] = remaining;
  }
  const items = page.map((o) => shown(req.resource, o));
  if (wantsTable(req.accept)) return table(ctx, req, items, metadata);
  return { apiVersion: apiVersionOf(req.resource), kind: req.resource.listKind, metadata, items };
}

function table(
  ctx: HandlerContext,
  req: ResourceRequest,
  objects: KubeObject[],
  metadata: Record<string, unknown>,
): object {
  const rendered = toTable(
    req.resource,
    objects,
    String(ctx.store.currentResourceVersion()),
    ctx.clock.now(),
    req.query.get('includeObject'),
  ) as { metadata: object };
  return { ...rendered, metadata: { ...rendered.metadata, ...metadata } };
}

function orderKey(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

/** JSON (or YAML) bodies of POST, PUT and DELETE; protobuf and CBOR, which the real server also takes, answer 415. */
function parseJsonBody(req: ResourceRequest): unknown {
  const type = req.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (req.verb !== 'patch' && type !== '' && type !== 'application/json' && type !== 'application/yaml')
    throw unsupportedMediaType(req.contentType, BODY_TYPES);
  try {
    return type === 'application/yaml' ? parseYaml(req.body.toString('utf8')) : JSON.parse(req.body.toString('utf8'));
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function objectBody(req: ResourceRequest, value: unknown): KubeObject {
  if (!isPlainObject(value)) throw badRequest('the request body must be a Kubernetes object');
  const object = value as KubeObject;
  object.metadata = isPlainObject(object.metadata) ? object.metadata : {};
  if (req.resource.namespaced) {
    if (object.metadata.namespace && req.namespace && object.metadata.namespace !== req.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    object.metadata.namespace = req.namespace ?? object.metadata.namespace;
  }
  if (req.name !== undefined && object.metadata.name !== undefined && object.metadata.name !== req.name) {
    throw badRequest(
      `the name of the object (${object.metadata.name}) does not match the name on the URL (${req.name})`,
    );
  }
  if (req.name !== undefined) object.metadata.name = req.name;
  if (object.kind !== undefined && object.kind !== req.resource.kind) {
    throw badRequest(
      `the kind of the object (${String(object.kind)}) does not match the resource (${req.resource.kind})`,
    );
  }
  return object;
}

function create(ctx: HandlerContext, req: ResourceRequest): KubeObject {
  if (req.name !== undefined) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  return ctx.writer.create(req.resource, objectBody(req, parseJsonBody(req)), { manager: manager(req) });
}

function update(ctx: HandlerContext, req: ResourceRequest): KubeObject {
  const status = req.subresource === 'status' ? ({ subresource: 'status' } as const) : {};
  return ctx.writer.update(req.resource, objectBody(req, parseJsonBody(req)), { manager: manager(req), ...status });
}

function remove(ctx: HandlerContext, req: ResourceRequest, name: string): KubeObject {
  const text = req.body.toString('utf8').trim();
  const options = (text ? parseJsonBody(req) : {}) as {
    propagationPolicy?: PropagationPolicy;
    preconditions?: { uid?: string; resourceVersion?: string };
  };
  const propagationPolicy =
    (req.query.get('propagationPolicy') as PropagationPolicy | null) ?? options.propagationPolicy;
  return ctx.writer.delete(req.resource, req.namespace ?? '', name, {
    ...(propagationPolicy ? { propagationPolicy } : {}),
    ...(options.preconditions ? { preconditions: options.preconditions } : {}),
  });
}

function deleteCollection(ctx: HandlerContext, req: ResourceRequest): object {
  const selector = parseSelector(
    req.query.get('labelSelector') ?? undefined,
    req.query.get('fieldSelector') ?? undefined,
  );
  const victims = ctx.store.list(req.resource, req.namespace).filter((o) => matchesSelector(selector, o));
  const items = victims.map((o) =>
    shown(req.resource, ctx.writer.delete(req.resource, o.metadata.namespace ?? '', o.metadata.name ?? '')),
  );
  return {
    apiVersion: apiVersionOf(req.resource),
    kind: req.resource.listKind,
    metadata: { resourceVersion: String(ctx.store.currentResourceVersion()) },
    items,
  };
}

/**
 * PATCH. Strategic merge patch is served with JSON merge patch semantics (lists replace instead of merging by
 * patch strategy): enough for the clients under test, which use server-side apply or merge patches.
 */
function patch(ctx: HandlerContext, req: ResourceRequest): HandlerResult {
  const type = req.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const subresource = req.subresource === 'status' ? ({ subresource: 'status' } as const) : {};
  if (type === 'application/apply-patch+yaml') return apply(ctx, req);
  if (
    type !== 'application/merge-patch+json' &&
    type !== 'application/strategic-merge-patch+json' &&
    type !== 'application/json-patch+json'
  ) {
    throw unsupportedMediaType(req.contentType, PATCH_TYPES);
  }
  if (req.query.get('force')) throw badRequest('force is only allowed for apply patches');
  const current = getOrThrow(ctx, req);
  const body = parseJsonBody(req);
  const patched = type === 'application/json-patch+json' ? jsonPatch(current, body) : mergePatch(current, body);
  const object = objectBody(req, patched);
  return {
    status: 200,
    body: shown(req.resource, ctx.writer.update(req.resource, object, { manager: manager(req), ...subresource })),
  };
}

function apply(ctx: HandlerContext, req: ResourceRequest): HandlerResult {
  const fieldManager = req.query.get('fieldManager');
  if (!fieldManager)
    throw new ApiError(
      422,
      'Invalid',
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  const text = req.body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw badRequest(`error decoding YAML: ${(error as Error).message}`);
  }
  const config = objectBody(req, parsed);
  if (!config.apiVersion || !config.kind)
    throw badRequest(`invalid object type: ${String(config.apiVersion ?? '')}, Kind=${String(config.kind ?? '')}`);
  if (config.apiVersion !== apiVersionOf(req.resource)) {
    throw badRequest(
      `the API version in the data (${config.apiVersion}) does not match the expected API version (${apiVersionOf(req.resource)})`,
    );
  }
  const live = ctx.store.get(req.resource, req.namespace ?? '', req.name ?? '');
  const subresource = req.subresource === 'status' ? ('status' as const) : undefined;
  if (!live && subresource) throw notFound(req.resource, req.name ?? '');
  const merged = applyConfiguration({
    resource: req.resource,
    live,
    config,
    manager: fieldManager,
    force: req.query.get('force') === 'true',
    subresource,
    time: formatTimestamp(ctx.clock.now()),
  });
  const write = { manager: fieldManager, ownershipComputed: true, ...(subresource ? { subresource } : {}) } as const;
  if (!live) return { status: 201, body: shown(req.resource, ctx.writer.create(req.resource, merged, write)) };
  return { status: 200, body: shown(req.resource, ctx.writer.update(req.resource, merged, write)) };
}
