import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { startFakeApiServer, type FakeApiServer } from './index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

/** The Kubernetes Status an ApiException carries (body is a string for typed APIs, parsed for KubernetesObjectApi). */
function statusOf(error: unknown): {
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { field?: string }[] };
} {
  if (!(error instanceof k8s.ApiException)) throw error;
  const body = error.body as unknown;
  return typeof body === 'string' ? JSON.parse(body) : (body as ReturnType<typeof statusOf>);
}

async function failure(promise: Promise<unknown>): Promise<ReturnType<typeof statusOf>> {
  try {
    await promise;
  } catch (error) {
    return statusOf(error);
  }
  throw new Error('expected the request to fail');
}

/** Resolves when `predicate` holds, polling briefly (bounded). */
async function eventually(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('fake API server with @kubernetes/client-node', () => {
  let server: FakeApiServer;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let objects: k8s.KubernetesObjectApi;

  beforeAll(async () => {
    server = await startFakeApiServer({ crdDir: FIXTURES, bookmarkIntervalMs: 50 });
    kc = new k8s.KubeConfig();
    kc.loadFromString(server.kubeconfig());
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  });

  afterAll(async () => {
    await server.close();
  });

  it('creates, lists with label selectors and refuses duplicates with 409 AlreadyExists', async () => {
    await core.createNamespace({ body: { metadata: { name: 'crud' } } });
    await core.createNamespacedConfigMap({
      namespace: 'crud',
      body: { metadata: { name: 'a', labels: { tier: 'web', env: 'prod' } }, data: { k: 'v' } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'crud',
      body: { metadata: { name: 'b', labels: { tier: 'db' } } },
    });

    const created = await core.readNamespacedConfigMap({ name: 'a', namespace: 'crud' });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);

    const names = async (labelSelector: string) =>
      (await core.listNamespacedConfigMap({ namespace: 'crud', labelSelector })).items.map((i) => i.metadata?.name);
    expect(await names('tier=web')).toEqual(['a']);
    expect(await names('tier!=web')).toEqual(['b']);
    expect(await names('tier in (web,db)')).toEqual(['a', 'b']);
    expect(await names('tier notin (web)')).toEqual(['b']);
    expect(await names('env')).toEqual(['a']);
    expect(await names('!env')).toEqual(['b']);

    const duplicate = await failure(
      core.createNamespacedConfigMap({ namespace: 'crud', body: { metadata: { name: 'a' } } }),
    );
    expect(duplicate).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'configmaps "a" already exists' });
  });

  it('pages lists with limit and continue', async () => {
    await core.createNamespace({ body: { metadata: { name: 'paging' } } });
    for (const name of ['p1', 'p2', 'p3'])
      await core.createNamespacedConfigMap({ namespace: 'paging', body: { metadata: { name } } });
    const first = await core.listNamespacedConfigMap({ namespace: 'paging', limit: 2 });
    expect(first.items.map((i) => i.metadata?.name)).toEqual(['p1', 'p2']);
    const rest = await core.listNamespacedConfigMap({
      namespace: 'paging',
      limit: 2,
      _continue: first.metadata?._continue ?? '',
    });
    expect(rest.items.map((i) => i.metadata?.name)).toEqual(['p3']);
    expect(rest.metadata?._continue).toBeUndefined();
  });

  it('answers a replace with a stale resourceVersion with 409 Conflict', async () => {
    const deployment: k8s.V1Deployment = {
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } },
      },
    };
    const created = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment });
    expect(created.metadata?.generation).toBe(1);
    const stale = structuredClone(created);
    created.spec!.replicas = 3;
    const replaced = await apps.replaceNamespacedDeployment({ name: 'web', namespace: 'default', body: created });
    expect(replaced.metadata?.generation).toBe(2);

    stale.spec!.replicas = 5;
    const conflict = await failure(
      apps.replaceNamespacedDeployment({ name: 'web', namespace: 'default', body: stale }),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.reason).toBe('Conflict');
    expect(conflict.message).toBe(
      'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('server-side applies: creates, removes fields the manager stopped applying, and reports conflicts', async () => {
    const config = (data: Record<string, string>): k8s.KubernetesObject & { data: Record<string, string> } => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ssa', namespace: 'default' },
      data,
    });
    await objects.patch(
      config({ a: '1', b: '2' }),
      undefined,
      undefined,
      'operator',
      undefined,
      k8s.PatchStrategy.ServerSideApply,
    );
    const shrunk = (await objects.patch(
      config({ a: '1' }),
      undefined,
      undefined,
      'operator',
      undefined,
      k8s.PatchStrategy.ServerSideApply,
    )) as k8s.V1ConfigMap;
    expect(shrunk.data).toEqual({ a: '1' });
    expect(shrunk.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['operator', 'Apply']]);

    const conflict = await failure(
      objects.patch(
        config({ a: 'other' }),
        undefined,
        undefined,
        'intruder',
        undefined,
        k8s.PatchStrategy.ServerSideApply,
      ),
    );
    expect(conflict.code).toBe(409);
    expect(conflict.reason).toBe('Conflict');
    expect(conflict.message).toBe('Apply failed with 1 conflict: conflict with "operator": .data.a');
    expect(conflict.details?.causes?.[0]?.field).toBe('.data.a');

    // Same value: shared ownership, no conflict; then force takes the field over.
    await objects.patch(
      config({ a: '1' }),
      undefined,
      undefined,
      'intruder',
      undefined,
      k8s.PatchStrategy.ServerSideApply,
    );
    const forced = (await objects.patch(
      config({ a: 'mine' }),
      undefined,
      undefined,
      'intruder',
      true,
      k8s.PatchStrategy.ServerSideApply,
    )) as k8s.V1ConfigMap;
    expect(forced.data).toEqual({ a: 'mine' });
    // The operator lost `a`, so applying without it removes nothing.
    const after = (await objects.patch(
      config({ c: '3' }),
      undefined,
      undefined,
      'operator',
      undefined,
      k8s.PatchStrategy.ServerSideApply,
    )) as k8s.V1ConfigMap;
    expect(after.data).toEqual({ a: 'mine', c: '3' });
  });

  it('server-side apply needs a field manager and rejects unknown patch types with 415', async () => {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } };
    const noManager = await failure(
      objects.patch(body, undefined, undefined, undefined, undefined, k8s.PatchStrategy.ServerSideApply),
    );
    expect(noManager.code).toBe(422);
    const response = await fetch(`${server.url}/api/v1/namespaces/default/configmaps/ssa`, {
      method: 'PATCH',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
  });

  it('streams watch events, bookmarks, and 410 Expired for a compacted resourceVersion', async () => {
    await core.createNamespace({ body: { metadata: { name: 'watched' } } });
    const start = (await core.listNamespacedConfigMap({ namespace: 'watched' })).metadata?.resourceVersion ?? '';
    const events: { type: string; name?: string; rv?: string }[] = [];
    let ended: unknown = 'open';
    const watch = new k8s.Watch(kc);
    const request = await watch.watch(
      '/api/v1/namespaces/watched/configmaps',
      { resourceVersion: start, allowWatchBookmarks: true, labelSelector: 'watch=me' },
      (type, object: k8s.V1ConfigMap) =>
        events.push({ type, name: object.metadata?.name, rv: object.metadata?.resourceVersion }),
      (error) => (ended = error),
    );
    await core.createNamespacedConfigMap({
      namespace: 'watched',
      body: { metadata: { name: 'seen', labels: { watch: 'me' } } },
    });
    await core.createNamespacedConfigMap({ namespace: 'watched', body: { metadata: { name: 'unseen' } } });
    await core.patchNamespacedConfigMap(
      { name: 'seen', namespace: 'watched', body: { data: { x: '1' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ name: 'seen', namespace: 'watched' });
    await eventually(
      () => events.some((e) => e.type === 'BOOKMARK') && events.some((e) => e.type === 'DELETED'),
      'watch events',
    );
    expect(events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.name}`)).toEqual([
      'ADDED seen',
      'MODIFIED seen',
      'DELETED seen',
    ]);
    const bookmark = events.find((e) => e.type === 'BOOKMARK');
    expect(Number(bookmark?.rv)).toBeGreaterThanOrEqual(Number(start));

    server.faults.dropWatches();
    await eventually(() => ended === null, 'the dropped watch to end');
    request.abort();

    server.faults.compact();
    const expired: { type: string; code?: number; reason?: string }[] = [];
    await watch.watch(
      '/api/v1/namespaces/watched/configmaps',
      { resourceVersion: start },
      (type, object: { code?: number; reason?: string }) => {
        expired.push({ type, code: object.code, reason: object.reason });
      },
      () => undefined,
    );
    await eventually(() => expired.length > 0, 'the 410 error event');
    expect(expired).toEqual([{ type: 'ERROR', code: 410, reason: 'Expired' }]);
  });

  it('keeps a ListWatch cache in step, relisting after 410', async () => {
    await core.createNamespace({ body: { metadata: { name: 'informed' } } });
    await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'before' } } });
    const path = '/api/v1/namespaces/informed/configmaps';
    const informer = new k8s.ListWatch<k8s.V1ConfigMap>(
      path,
      new k8s.Watch(kc),
      () => core.listNamespacedConfigMap({ namespace: 'informed' }),
      false,
    );
    const added: string[] = [];
    informer.on(k8s.ADD, (o) => added.push(o.metadata?.name ?? ''));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'during' } } });
      await eventually(() => added.includes('during'), 'the informer to see a new object');
      // Forget history and cut the stream: the informer resumes from a compacted version, gets 410 and relists.
      server.faults.compact();
      server.faults.dropWatches();
      await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'after-compaction' } } });
      await eventually(() => informer.list('informed').length === 3, 'the informer to relist');
      expect(
        informer
          .list('informed')
          .map((o) => o.metadata?.name)
          .sort(),
      ).toEqual(['after-compaction', 'before', 'during']);
    } finally {
      await informer.stop();
    }
  });
});
