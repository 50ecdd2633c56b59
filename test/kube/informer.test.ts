import { Informer } from '../../src/kube/informer.js';
import { KubeApiError, type KubeObject, type ListQuery, type ListResult } from '../../src/kube/types.js';
import type { WatchHandlers, WatchSource } from '../../src/kube/watch-source.js';
import { createLogger } from '../../src/observability/logger.js';
import { FakeClock, flushPromises } from './fake-clock.js';

const QUERY: ListQuery = { apiVersion: 'v1', kind: 'ConfigMap' };
const cm = (name: string, rv: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

/** A scripted API server: the test decides what lists return and drives each open watch. */
class ScriptedSource implements WatchSource {
  listed: ListResult<KubeObject> = { items: [], resourceVersion: '1' };
  lists = 0;
  watchesFrom: string[] = [];
  current: WatchHandlers | undefined;
  failWatchStart: KubeApiError | undefined;

  async list(): Promise<ListResult<KubeObject>> {
    this.lists++;
    return this.listed;
  }

  async watch(_q: ListQuery, rv: string, handlers: WatchHandlers): Promise<() => void> {
    this.watchesFrom.push(rv);
    if (this.failWatchStart) {
      const err = this.failWatchStart;
      handlers.onClose(err);
      return () => {};
    }
    this.current = handlers;
    return () => (this.current = undefined);
  }
}

function setup() {
  const source = new ScriptedSource();
  const clock = new FakeClock();
  const informer = new Informer({
    source,
    query: QUERY,
    clock,
    logger: createLogger('test', { level: 'error' }),
    random: () => 0,
  });
  const seen: string[] = [];
  informer.on({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (_old, o) => seen.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  return { source, clock, informer, seen };
}

describe('Informer', () => {
  it('lists, reports synced, and applies watch events to the cache', async () => {
    const { source, informer, seen } = setup();
    source.listed = { items: [cm('a', '5')], resourceVersion: '5' };
    informer.start();
    await flushPromises();
    expect(informer.hasSynced()).toBe(true);
    expect(source.watchesFrom).toEqual(['5']);
    source.current?.onEvent('ADDED', cm('b', '6'));
    source.current?.onEvent('MODIFIED', cm('a', '7'));
    source.current?.onEvent('DELETED', cm('b', '8'));
    expect(seen).toEqual(['add a', 'add b', 'update a@7', 'delete b']);
    expect(informer.list('ns').map((o) => o.metadata.name)).toEqual(['a']);
    await informer.stop();
  });

  it('restarts a broken watch from the last resourceVersion after a growing backoff, without relisting', async () => {
    const { source, clock, informer } = setup();
    informer.start();
    await flushPromises();
    source.current?.onEvent('ADDED', cm('a', '9'));
    source.current?.onEvent('BOOKMARK', cm('', '12'));
    source.failWatchStart = new KubeApiError('HTTP 500', 500);
    source.current?.onClose(new KubeApiError('connection reset', 0));
    await clock.advance(200);
    await clock.advance(400);
    expect(source.watchesFrom).toEqual(['1', '12', '12']);
    await clock.advance(799); // third attempt waits 800 ms
    expect(source.watchesFrom).toHaveLength(3);
    source.failWatchStart = undefined;
    await clock.advance(1);
    expect(source.watchesFrom).toEqual(['1', '12', '12', '12']);
    expect(source.lists).toBe(1);
    expect(source.current).toBeDefined();
    await informer.stop();
  });

  it('relists on 410 Gone and reports what changed or vanished while it was not watching', async () => {
    const { source, clock, informer, seen } = setup();
    source.listed = { items: [cm('a', '2'), cm('b', '3')], resourceVersion: '3' };
    informer.start();
    await flushPromises();
    source.listed = { items: [cm('a', '20'), cm('c', '21')], resourceVersion: '21' };
    source.current?.onClose(new KubeApiError('too old resource version', 410));
    await clock.advance(0);
    expect(source.lists).toBe(2);
    expect(seen).toEqual(['add a', 'add b', 'update a@20', 'add c', 'delete b']);
    expect(source.watchesFrom).toEqual(['3', '21']);
    await informer.stop();
  });

  it('stops watching on stop()', async () => {
    const { source, informer } = setup();
    informer.start();
    await flushPromises();
    await informer.stop();
    expect(source.current).toBeUndefined();
  });
});
