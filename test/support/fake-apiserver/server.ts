import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../../src/api/repo-root.js';
import { createLogger } from '../../../src/observability/logger.js';
import { readCrdFiles } from './crd.js';
import { syncCrdsToRegistry } from './crd-sync.js';
import { discoveryDocument } from './discovery.js';
import { ApiError, badRequest, pathNotFound } from './errors.js';
import { EventLog } from './event-log.js';
import { Faults, type Verb } from './faults.js';
import { handleResourceRequest, type HandlerContext } from './handlers.js';
import { kubeconfigYaml, writeKubeconfigFile } from './kubeconfig.js';
import { ResourceRegistry } from './registry.js';
import { parseRequestPath } from './request-info.js';
import { RequestLog, type RequestRecord } from './request-log.js';
import type { ApiResource } from './resources.js';
import { parseSelector } from './selectors.js';
import { ObjectStore } from './store.js';
import { TestStore } from './test-store.js';
import { type Clock, systemClock } from './types.js';
import { WatchHub } from './watch.js';
import { ObjectWriter } from './writes.js';

export interface FakeApiServerOptions {
  /** Folder of CRD YAML files loaded at start; default `<repo>/crds` (skipped when missing). */
  crdDir?: string;
  /** Store events kept for watch replay; older resourceVersions get 410 Expired. Default 10000. */
  eventLogSize?: number;
  /** BOOKMARK period for watches that allow bookmarks. Default 1000 ms. */
  bookmarkIntervalMs?: number;
  /** Timestamps, bookmarks and watch timeouts run on this clock. Default: the system clock. */
  clock?: Clock;
}

export interface FakeApiServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Kubeconfig YAML (no auth, plain HTTP) for kubectl and client-node. */
  kubeconfig(): string;
  /** Writes `<dir>/kubeconfig`; returns its path. */
  writeKubeconfig(dir: string): string;
  store: TestStore;
  faults: Faults;
  requestLog: RequestLog;
  /** Number of watch streams open now. */
  openWatches(): number;
  close(): Promise<void>;
}

// From the package root, so the server finds crds/ from source and from dist/ alike.
const DEFAULT_CRD_DIR = join(repoRoot(fileURLToPath(new URL('.', import.meta.url))), 'crds');
const log = createLogger('fake-apiserver');

/** Starts the fake Kubernetes API server on 127.0.0.1, a free port, plain HTTP. */
export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const clock = options.clock ?? systemClock;
  const registry = new ResourceRegistry();
  const store = new ObjectStore();
  const eventLog = new EventLog(options.eventLogSize ?? 10_000);
  const hub = new WatchHub({ store, log: eventLog, clock, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000 });
  const writer = new ObjectWriter({ store, registry, clock });
  syncCrdsToRegistry({ store, registry, writer });
  seed(registry, writer, options.crdDir);

  const faults = new Faults({
    closeWatches: () => hub.closeAll(),
    compactEventLog: () => eventLog.compact(store.currentResourceVersion()),
  });
  const requestLog = new RequestLog();
  const context: HandlerContext = { store, writer, clock };
  const server = createServer((req, res) => {
    handle({ req, res, registry, context, hub, faults, requestLog }).catch((error: unknown) => {
      log.error('request failed unexpectedly', { error: String(error) });
      if (!res.headersSent) sendJson(res, 500, new ApiError(500, 'InternalError', String(error)).status);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    kubeconfig: () => kubeconfigYaml(url),
    writeKubeconfig: (dir) => writeKubeconfigFile(dir, url),
    store: new TestStore(registry, store, writer),
    faults,
    requestLog,
    openWatches: () => hub.openCount(),
    close: () => closeServer(server, hub),
  };
}

function seed(registry: ResourceRegistry, writer: ObjectWriter, crdDir: string | undefined): void {
  const namespaces = registry.requireKind('v1', 'Namespace');
  for (const name of ['default', 'kube-system', 'kube-public']) {
    writer.create(
      namespaces,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      { manager: 'fake-apiserver' },
    );
  }
  const dir = crdDir ?? DEFAULT_CRD_DIR;
  if (crdDir === undefined && !existsSync(dir)) return;
  const crds = registry.requireKind('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
  for (const crd of readCrdFiles(dir)) writer.create(crds, crd, { manager: 'fake-apiserver' });
}

async function closeServer(server: Server, hub: WatchHub): Promise<void> {
  hub.closeAll();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

interface RequestScope {
  req: IncomingMessage;
  res: ServerResponse;
  registry: ResourceRegistry;
  context: HandlerContext;
  hub: WatchHub;
  faults: Faults;
  requestLog: RequestLog;
}

async function handle(scope: RequestScope): Promise<void> {
  const { req, res, registry, faults, requestLog } = scope;
  const url = new URL(req.url ?? '/', 'http://fake');
  const body = await readBody(req);
  const record: RequestRecord = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.search.slice(1),
    contentType: req.headers['content-type'] ?? '',
    status: 0,
  };
  const fieldManager = url.searchParams.get('fieldManager');
  if (fieldManager) record.fieldManager = fieldManager;
  if (faults.latencyMs() > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs()));
  try {
    const target = parseRequestPath(url.pathname);
    if (target.type === 'discovery') {
      const document = discoveryDocument(target.path, registry, req.headers.host ?? '127.0.0.1');
      if (!document) throw pathNotFound();
      record.status = sendJson(res, 200, document);
      return;
    }
    const resource = registry.lookup(target.group, target.version, target.plural);
    if (!resource || (!resource.namespaced && target.namespace !== undefined)) throw pathNotFound();
    const verb = verbOf(record.method, target.name, url.searchParams);
    record.verb = verb;
    record.resource = target.subresource ? `${target.plural}/${target.subresource}` : target.plural;
    if (resource.namespaced && target.name !== undefined && target.namespace === undefined) throw pathNotFound();
    const injected = faults.take(verb, {
      plural: resource.plural,
      group: resource.group,
      subresource: target.subresource,
    });
    if (injected) throw injected;
    if (verb === 'watch') {
      record.status = 200;
      startWatch(scope, resource, target.namespace, target.name, url.searchParams);
      return;
    }
    const result = handleResourceRequest(scope.context, {
      verb,
      resource,
      namespace: target.namespace,
      name: target.name,
      subresource: target.subresource,
      query: url.searchParams,
      body,
      contentType: record.contentType,
      accept: req.headers.accept,
      defaultManager: (req.headers['user-agent'] ?? 'unknown').split('/')[0] || 'unknown',
    });
    record.status = sendJson(res, result.status, result.body);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.code === 429) res.setHeader('Retry-After', '1');
    record.status = sendJson(res, error.code, error.status);
  } finally {
    if (record.status !== 0) requestLog.add(record);
  }
}

function verbOf(method: string, name: string | undefined, query: URLSearchParams): Verb {
  const watch = query.get('watch');
  switch (method) {
    case 'GET':
      if (watch === 'true' || watch === '1') return 'watch';
      return name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name === undefined ? 'deletecollection' : 'delete';
    default:
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow method ${method}`);
  }
}

/** Streams a watch; a watch on a named object's URL (the old form) watches just that name. */
function startWatch(
  scope: RequestScope,
  resource: ApiResource,
  namespace: string | undefined,
  name: string | undefined,
  query: URLSearchParams,
): void {
  const { res, hub } = scope;
  const selector = parseSelector(query.get('labelSelector') ?? undefined, query.get('fieldSelector') ?? undefined);
  if (name !== undefined) selector.fields.push({ field: 'metadata.name', equals: true, value: name });
  const resourceVersion = query.get('resourceVersion') ?? undefined;
  if (resourceVersion && !/^\d+$/.test(resourceVersion))
    throw badRequest(`invalid resource version: ${JSON.stringify(resourceVersion)}`);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let closed = false;
  const stop = hub.open({
    resource,
    namespace,
    selector,
    resourceVersion,
    allowBookmarks: query.get('allowWatchBookmarks') === 'true',
    timeoutSeconds: query.has('timeoutSeconds') ? Number(query.get('timeoutSeconds')) : undefined,
    sink: {
      send: (event) => {
        if (!closed) res.write(`${JSON.stringify(event)}\n`);
      },
      close: () => {
        closed = true;
        res.end();
      },
    },
  });
  // The response's close, not the request's: Node fires the request's as soon as its (empty) body has been read.
  res.on('close', () => {
    closed = true;
    stop();
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): number {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
  return status;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
