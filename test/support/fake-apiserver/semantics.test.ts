import { fileURLToPath } from 'node:url';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from './index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const IMP = '/apis/modeswitch.io/v1alpha1/namespaces/default/inferencemodepolicies';
const CM = '/api/v1/namespaces/default/configmaps';

interface Reply {
  status: number;
  body: Record<string, any>;
}

describe('fake API server semantics', () => {
  let server: FakeApiServer;

  async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
    const response = await fetch(server.url + path, {
      method,
      headers: { 'content-type': contentType },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Reply['body'] };
  }

  const policy = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'modeswitch.io/v1alpha1',
    kind: 'InferenceModePolicy',
    metadata: { name },
    spec,
  });
  const configMap = (name: string, metadata: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...metadata },
  });

  beforeAll(async () => {
    server = await startFakeApiServer({ crdDir: FIXTURES });
  });

  afterAll(async () => {
    await server.close();
  });

  describe('custom resource validation', () => {
    it('rejects a CEL rule violation naming the field path and the rule message', async () => {
      const reply = await call(
        'POST',
        IMP,
        policy('bad-default', { model: 'm', modes: [{ name: 'fp16' }], routing: { defaultMode: 'int4' } }),
      );
      expect(reply.status).toBe(422);
      expect(reply.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
      expect(reply.body['message']).toBe(
        'InferenceModePolicy.modeswitch.io "bad-default" is invalid: spec.routing.defaultMode: Invalid value: "object": routing.defaultMode must name one of spec.modes',
      );
      expect(reply.body['details']).toMatchObject({
        name: 'bad-default',
        group: 'modeswitch.io',
        kind: 'InferenceModePolicy',
        causes: [{ field: 'spec.routing.defaultMode' }],
      });
    });

    it('evaluates rules on list items with their index in the path', async () => {
      const reply = await call(
        'POST',
        IMP,
        policy('bad-name', { model: 'm', modes: [{ name: 'ok' }, { name: 'Not OK' }] }),
      );
      expect(reply.body['message']).toBe(
        'InferenceModePolicy.modeswitch.io "bad-name" is invalid: spec.modes[1].name: Invalid value: "string": mode names are lowercase letters, digits and dashes',
      );
    });

    it('reports duplicate keys of a map-list, missing required fields and enum violations together', async () => {
      const reply = await call(
        'POST',
        IMP,
        policy('many', { modes: [{ name: 'a', quantization: 'int3' }, { name: 'a' }] }),
      );
      expect(reply.status).toBe(422);
      const fields = (reply.body['details'].causes as { field: string }[]).map((c) => c.field).sort();
      expect(fields).toEqual(['spec.model', 'spec.modes[0].quantization', 'spec.modes[1]']);
      expect(reply.body['message']).toContain('spec.modes[1]: Duplicate value: map[string]interface {}{"name":"a"}');
      expect(reply.body['message']).toContain('spec.model: Required value');
      expect(reply.body['message']).toContain(
        'spec.modes[0].quantization: Unsupported value: "int3": supported values: "fp8", "awq_marlin", "gptq_marlin"',
      );
    });

    it('prunes unknown fields, applies defaults, and checks transition rules against the stored object', async () => {
      const created = await call(
        'POST',
        IMP,
        policy('defaults', { model: 'm', modes: [{ name: 'fp16', bogus: true }], extra: 1 }),
      );
      expect(created.status).toBe(201);
      expect(created.body['spec']).toEqual({ model: 'm', modes: [{ name: 'fp16', replicas: 1 }] });
      const changed = await call(
        'PATCH',
        `${IMP}/defaults`,
        { spec: { model: 'other' } },
        'application/merge-patch+json',
      );
      expect(changed.status).toBe(422);
      expect(changed.body['message']).toBe(
        'InferenceModePolicy.modeswitch.io "defaults" is invalid: spec: Invalid value: "object": model is immutable',
      );
    });
  });

  describe('status subresource and generation', () => {
    it('bumps generation on spec changes only, ignores status on the main resource and spec on /status', async () => {
      const created = await call('POST', IMP, {
        ...policy('gen', { model: 'm', modes: [{ name: 'a' }] }),
        status: { observedGeneration: 9 },
      });
      expect(created.body['metadata'].generation).toBe(1);
      expect(created.body['status']).toBeUndefined();

      const labelled = await call(
        'PATCH',
        `${IMP}/gen`,
        { metadata: { labels: { x: 'y' } }, status: { observedGeneration: 5 } },
        'application/merge-patch+json',
      );
      expect(labelled.body['metadata'].generation).toBe(1);
      expect(labelled.body['status']).toBeUndefined();

      const status = await call(
        'PATCH',
        `${IMP}/gen/status`,
        { spec: { model: 'ignored' }, status: { observedGeneration: 1 } },
        'application/merge-patch+json',
      );
      expect(status.status).toBe(200);
      expect(status.body['status']).toEqual({ observedGeneration: 1 });
      expect(status.body['spec'].model).toBe('m');
      expect(status.body['metadata'].generation).toBe(1);

      const spec = await call(
        'PATCH',
        `${IMP}/gen`,
        [{ op: 'replace', path: '/spec/modes/0/replicas', value: 3 }],
        'application/json-patch+json',
      );
      expect(spec.body['metadata'].generation).toBe(2);
      expect(spec.body['status']).toEqual({ observedGeneration: 1 });
    });

    it('lets tests and server-side apply set status without touching spec or generation', async () => {
      await call('POST', '/apis/apps/v1/namespaces/default/deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'ready' },
        spec: {
          selector: { matchLabels: { app: 'r' } },
          template: { metadata: { labels: { app: 'r' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
        },
      });
      server.store.setStatus('apps/v1', 'Deployment', 'ready', 'default', { replicas: 1, readyReplicas: 1 });
      const read = await call('GET', '/apis/apps/v1/namespaces/default/deployments/ready');
      expect(read.body['status']).toEqual({ replicas: 1, readyReplicas: 1 });
      expect(read.body['metadata'].generation).toBe(1);

      await call('POST', IMP, policy('reporting', { model: 'm', modes: [{ name: 'a' }] }));
      const statusApply = {
        apiVersion: 'modeswitch.io/v1alpha1',
        kind: 'InferenceModePolicy',
        metadata: { name: 'reporting' },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      };
      const applied = await call(
        'PATCH',
        `${IMP}/reporting/status?fieldManager=operator`,
        statusApply,
        'application/apply-patch+yaml',
      );
      expect(applied.status).toBe(200);
      expect(applied.body['status']).toEqual({ conditions: [{ type: 'Ready', status: 'True' }] });
      expect(applied.body['spec']).toEqual({ model: 'm', modes: [{ name: 'a', replicas: 1 }] });
      expect(applied.body['metadata'].generation).toBe(1);
      const entry = (
        applied.body['metadata'].managedFields as { manager: string; subresource?: string; fieldsV1: object }[]
      ).find((m) => m.manager === 'operator');
      expect(entry).toMatchObject({
        subresource: 'status',
        fieldsV1: {
          'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:type': {}, 'f:status': {} } } },
        },
      });
    });

    it('does not bump resourceVersion for a write that changes nothing', async () => {
      const created = await call('POST', CM, { ...configMap('same'), data: { a: '1' } });
      const again = await call('PUT', `${CM}/same`, created.body);
      expect(again.body['metadata'].resourceVersion).toBe(created.body['metadata'].resourceVersion);
    });
  });

  describe('deletion', () => {
    it('keeps an object with finalizers until they are removed, marking it with deletionTimestamp', async () => {
      await call('POST', CM, configMap('held', { finalizers: ['example.com/hold'] }));
      const deleting = await call('DELETE', `${CM}/held`);
      expect(deleting.status).toBe(200);
      expect(deleting.body['metadata'].deletionTimestamp).toEqual(expect.any(String));
      expect((await call('GET', `${CM}/held`)).status).toBe(200);
      const refused = await call(
        'PATCH',
        `${CM}/held`,
        { metadata: { finalizers: ['example.com/hold', 'example.com/new'] } },
        'application/merge-patch+json',
      );
      expect(refused.status).toBe(422);

      server.store.removeFinalizers('v1', 'ConfigMap', 'held', 'default');
      expect((await call('GET', `${CM}/held`)).status).toBe(404);
    });

    it('cascades to dependents (recursively) once the owner is gone, and orphans on request', async () => {
      const owner = server.store.create(
        configMap('owner', { namespace: 'default', finalizers: ['example.com/hold'] }) as KubeObject,
      );
      const ref = (o: KubeObject) => [
        { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name ?? '', uid: o.metadata.uid ?? '' },
      ];
      const child = server.store.create(
        configMap('child', { namespace: 'default', ownerReferences: ref(owner) }) as KubeObject,
      );
      server.store.create(configMap('grandchild', { namespace: 'default', ownerReferences: ref(child) }) as KubeObject);
      const kept = server.store.create(
        configMap('orphan', { namespace: 'default', ownerReferences: ref(owner) }) as KubeObject,
      );
      expect(kept.metadata.ownerReferences).toHaveLength(1);

      await call('DELETE', `${CM}/owner`);
      expect(server.store.get('v1', 'ConfigMap', 'child', 'default')).toBeDefined();
      server.store.removeFinalizers('v1', 'ConfigMap', 'owner', 'default');
      expect(server.store.get('v1', 'ConfigMap', 'owner', 'default')).toBeUndefined();
      expect(server.store.get('v1', 'ConfigMap', 'child', 'default')).toBeUndefined();
      expect(server.store.get('v1', 'ConfigMap', 'grandchild', 'default')).toBeUndefined();

      const owner2 = server.store.create(configMap('owner2', { namespace: 'default' }) as KubeObject);
      server.store.create(configMap('survivor', { namespace: 'default', ownerReferences: ref(owner2) }) as KubeObject);
      await call('DELETE', `${CM}/owner2?propagationPolicy=Orphan`);
      expect(server.store.get('v1', 'ConfigMap', 'survivor', 'default')?.metadata.ownerReferences ?? []).toEqual([]);
    });

    it('deletes the owner last in foreground deletion', async () => {
      const owner = server.store.create(configMap('fg-owner', { namespace: 'default' }) as KubeObject);
      server.store.create(
        configMap('fg-child', {
          namespace: 'default',
          finalizers: ['example.com/hold'],
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'fg-owner', uid: owner.metadata.uid ?? '' }],
        }) as KubeObject,
      );
      const deleting = await call('DELETE', `${CM}/fg-owner`, { propagationPolicy: 'Foreground' });
      expect(deleting.body['metadata'].finalizers).toEqual(['foregroundDeletion']);
      expect(server.store.get('v1', 'ConfigMap', 'fg-child', 'default')?.metadata.deletionTimestamp).toEqual(
        expect.any(String),
      );
      server.store.removeFinalizers('v1', 'ConfigMap', 'fg-child', 'default');
      expect(server.store.get('v1', 'ConfigMap', 'fg-owner', 'default')).toBeUndefined();
    });

    it('deletes a collection by label selector', async () => {
      for (const [name, team] of [
        ['dc1', 'a'],
        ['dc2', 'a'],
        ['dc3', 'b'],
      ] as const)
        await call('POST', CM, configMap(name, { labels: { team } }));
      const deleted = await call('DELETE', `${CM}?labelSelector=team%3Da`);
      expect(deleted.body['items'].map((o: KubeObject) => o.metadata.name)).toEqual(['dc1', 'dc2']);
      expect(
        server.store
          .list('v1', 'ConfigMap', 'default')
          .filter((o) => o.metadata.labels?.['team'])
          .map((o) => o.metadata.name),
      ).toEqual(['dc3']);
    });

    it('refuses objects in a namespace that does not exist', async () => {
      const reply = await call('POST', '/api/v1/namespaces/nowhere/configmaps', configMap('x'));
      expect(reply.status).toBe(404);
      expect(reply.body['message']).toBe('namespaces "nowhere" not found');
    });
  });

  describe('faults and request log', () => {
    it('fails the next matching requests with the injected status, then recovers', async () => {
      server.faults.failNext({ verb: 'create', resource: 'configmaps', status: 500, times: 2 });
      expect((await call('GET', CM)).status).toBe(200);
      expect((await call('POST', CM, configMap('f1'))).body).toMatchObject({
        kind: 'Status',
        code: 500,
        reason: 'InternalError',
      });
      expect((await call('POST', CM, configMap('f1'))).status).toBe(500);
      expect((await call('POST', CM, configMap('f1'))).status).toBe(201);

      server.faults.failNext({ resource: 'inferencemodepolicies/status', status: 429 });
      const limited = await fetch(`${server.url}${IMP}/defaults/status`);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
    });

    it('records method, path, query, content type, status and counts writes', async () => {
      server.requestLog.clear();
      await call('POST', CM, configMap('logged'));
      await call('PATCH', `${CM}/logged?fieldManager=me`, { data: { a: 'b' } }, 'application/merge-patch+json');
      await call('GET', `${CM}?labelSelector=a%3Db`);
      expect(
        server.requestLog.entries().map((r) => [r.method, r.path, r.query, r.contentType, r.status, r.verb]),
      ).toEqual([
        ['POST', CM, '', 'application/json', 201, 'create'],
        ['PATCH', `${CM}/logged`, 'fieldManager=me', 'application/merge-patch+json', 200, 'patch'],
        ['GET', CM, 'labelSelector=a%3Db', 'application/json', 200, 'list'],
      ]);
      expect(server.requestLog.writes()).toBe(2);
      expect(server.requestLog.writeCounts()).toMatchObject({ create: 1, patch: 1, update: 0 });
    });
  });

  describe('watch URLs', () => {
    it('watches a single object through its own URL and rejects a malformed resourceVersion', async () => {
      await call('POST', CM, configMap('solo'));
      await call('POST', CM, configMap('other'));
      const controller = new AbortController();
      const response = await fetch(`${server.url}${CM}/solo?watch=1`, { signal: controller.signal });
      const reader = response.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      const lines = first
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; object: KubeObject });
      expect(lines.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED solo']);

      const bad = await call('GET', `${CM}?watch=true&resourceVersion=latest`);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    });
  });

  describe('CustomResourceDefinitions at runtime', () => {
    it('serves a CRD created through the API and stops serving it when deleted', async () => {
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Cluster',
          names: { kind: 'Widget', plural: 'widgets', singular: 'widget', shortNames: ['wd'] },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      };
      expect((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201);
      const discovery = await call('GET', '/apis/example.com/v1');
      expect(discovery.body['resources']).toEqual([
        expect.objectContaining({ name: 'widgets', kind: 'Widget', namespaced: false, shortNames: ['wd'] }),
      ]);
      expect(
        (
          await call('POST', '/apis/example.com/v1/widgets', {
            apiVersion: 'example.com/v1',
            kind: 'Widget',
            metadata: { name: 'w' },
            size: 3,
          })
        ).body['size'],
      ).toBe(3);

      await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
      expect((await call('GET', '/apis/example.com/v1/widgets')).status).toBe(404);
      expect((await call('GET', '/apis')).body['groups'].map((g: { name: string }) => g.name)).not.toContain(
        'example.com',
      );
    });
  });
});
