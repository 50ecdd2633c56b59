import { ReadYourWrites } from '../../src/kube/read-your-writes.js';
import type { KubeObject, ListQuery, ObjectReader, ObjectRef } from '../../src/kube/types.js';
import { FakeKubeClient } from '../support/fake-kube-client.js';
import { FakeClock } from './fake-clock.js';

/** An informer cache that only changes when the test delivers a "watch event". */
class LaggingCache implements ObjectReader {
  readonly objects = new Map<string, KubeObject>();
  deliver(obj: KubeObject | undefined, ref: ObjectRef = obj as unknown as ObjectRef): void {
    const key = `${ref.kind}/${ref.name}`;
    if (obj) this.objects.set(key, structuredClone(obj));
    else this.objects.delete(key);
  }
  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    return this.objects.get(`${ref.kind}/${ref.name}`) as T | undefined;
  }
  async list<T extends KubeObject>(_query: ListQuery): Promise<T[]> {
    return [...this.objects.values()] as T[];
  }
}

const REF: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'llm', name: 'cfg' };
const configMap = (value: string): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg', namespace: 'llm' },
    data: { value },
  }) as unknown as KubeObject;
const refOfCached = (o: KubeObject) => ({ ...REF, name: o.metadata.name, kind: o.kind });

function setup() {
  const server = new FakeKubeClient();
  const cache = new LaggingCache();
  const seeded = server.seed(configMap('v0'));
  cache.deliver(seeded, refOfCached(seeded));
  const writes = new ReadYourWrites({ client: server, reader: cache, clock: new FakeClock() });
  return { server, cache, writes };
}

const valueOf = async (writes: ReadYourWrites) =>
  ((await writes.reader.get(REF)) as unknown as { data: { value: string } } | undefined)?.data.value;

describe('ReadYourWrites', () => {
  it('shows our write before its watch event arrives, so the controller does not write it again', async () => {
    const { writes } = setup();
    await writes.apply(configMap('v1'), { fieldManager: 'op', force: true });
    expect(await valueOf(writes)).toBe('v1');
  });

  it("lets someone else's later change through once the cache moves on, even if our event overtook our response", async () => {
    const { server, cache, writes } = setup();
    // The watch event of our write lands before the client has the HTTP response (a real race on a busy loop).
    const applied = await writes.apply(configMap('v1'), { fieldManager: 'op', force: true });
    cache.deliver(applied, REF);
    expect(await valueOf(writes)).toBe('v1');
    // A person edits the object; the cache shows it: reads must show it too, not our old write.
    server.edit(REF, (o) => ((o['data'] as Record<string, string>)['value'] = 'edited'));
    cache.deliver(await server.get(REF), REF);
    expect(await valueOf(writes)).toBe('edited');
  });

  it('does not let a write that changed nothing hide a later change', async () => {
    const { server, cache, writes } = setup();
    await writes.apply(configMap('v0'), { fieldManager: 'op', force: true }); // same content: no new version, no event
    server.edit(REF, (o) => ((o['data'] as Record<string, string>)['value'] = 'edited'));
    cache.deliver(await server.get(REF), REF);
    expect(await valueOf(writes)).toBe('edited');
  });

  it('reads a deleted object as gone until the cache drops it, then follows the cache', async () => {
    const { cache, writes } = setup();
    await writes.delete(REF);
    expect(await valueOf(writes)).toBeUndefined();
    expect(await writes.reader.list({ apiVersion: 'v1', kind: 'ConfigMap' })).toEqual([]);
    cache.deliver(undefined, REF);
    expect(await valueOf(writes)).toBeUndefined();
  });
});
