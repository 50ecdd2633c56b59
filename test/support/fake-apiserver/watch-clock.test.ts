import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { startFakeApiServer, type Clock, type FakeApiServer } from './index.js';

/** A clock whose timers fire only when the test says so. */
class ManualClock implements Clock {
  private readonly timers = new Map<number, { callback: () => void; repeat: boolean }>();
  private nextId = 1;

  now(): Date {
    return new Date('2025-06-01T12:00:00Z');
  }

  setInterval(callback: () => void): unknown {
    this.timers.set(this.nextId, { callback, repeat: true });
    return this.nextId++;
  }

  setTimeout(callback: () => void): unknown {
    this.timers.set(this.nextId, { callback, repeat: false });
    return this.nextId++;
  }

  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Fires every pending interval, or every pending timeout. */
  fire(kind: 'intervals' | 'timeouts'): void {
    for (const [id, timer] of [...this.timers]) {
      if (timer.repeat !== (kind === 'intervals')) continue;
      if (!timer.repeat) this.timers.delete(id);
      timer.callback();
    }
  }
}

async function eventually(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('watch timing on an injected clock', () => {
  const clock = new ManualClock();
  let server: FakeApiServer;
  let kc: k8s.KubeConfig;

  beforeAll(async () => {
    server = await startFakeApiServer({ crdDir: fileURLToPath(new URL('./fixtures', import.meta.url)), clock });
    kc = new k8s.KubeConfig();
    kc.loadFromString(server.kubeconfig());
  });

  afterAll(async () => {
    await server.close();
  });

  it('stamps objects with the clock, sends a BOOKMARK per tick and ends the stream at timeoutSeconds', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'ticking' } },
    });
    expect(created.metadata?.creationTimestamp?.toISOString()).toBe('2025-06-01T12:00:00.000Z');

    const events: { type: string; rv?: string }[] = [];
    let ended = false;
    await new k8s.Watch(kc).watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: created.metadata?.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 30 },
      (type, object: k8s.KubernetesObject) => events.push({ type, rv: object.metadata?.resourceVersion }),
      () => (ended = true),
    );
    await eventually(() => server.openWatches() === 1, 'the watch to open');
    clock.fire('intervals');
    clock.fire('intervals');
    await eventually(() => events.length === 2, 'two bookmarks');
    expect(events).toEqual([
      { type: 'BOOKMARK', rv: server.store.resourceVersion() },
      { type: 'BOOKMARK', rv: server.store.resourceVersion() },
    ]);
    expect(ended).toBe(false);
    clock.fire('timeouts');
    await eventually(() => ended, 'the watch to end at its timeout');
    expect(server.openWatches()).toBe(0);
  });
});
