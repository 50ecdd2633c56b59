import { WorkQueue } from '../../../src/operator/runtime/work-queue.js';
import { FakeClock } from '../../kube/fake-clock.js';

function newQueue(clock = new FakeClock()) {
  return { clock, queue: new WorkQueue({ clock, baseDelayMs: 100, maxDelayMs: 1000, qps: 1000, burst: 1000 }) };
}

describe('WorkQueue', () => {
  it('hands out a key added twice only once', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
  });

  it('never hands a key to a second worker while the first processes it, and re-adds it after done', async () => {
    const { queue } = newQueue();
    queue.add('ns/a');
    const first = await queue.get();
    queue.add('ns/a');
    expect(queue.length).toBe(0);
    let second: string | undefined;
    void queue.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    queue.done(first as string);
    await Promise.resolve();
    expect(second).toBe('ns/a');
  });

  it('backs off a failing key exponentially and resets after forget', async () => {
    const { queue, clock } = newQueue();
    queue.addRateLimited('ns/a'); // 100 ms
    await clock.advance(99);
    expect(queue.length).toBe(0);
    await clock.advance(1);
    expect(queue.length).toBe(1);
    expect(queue.retries('ns/a')).toBe(1);
    queue.done((await queue.get()) as string);
    queue.addRateLimited('ns/a'); // 200 ms
    await clock.advance(199);
    expect(queue.length).toBe(0);
    await clock.advance(1);
    expect(queue.length).toBe(1);
    queue.forget('ns/a');
    expect(queue.retries('ns/a')).toBe(0);
  });

  it('caps the per-key delay', async () => {
    const { queue, clock } = newQueue();
    for (let i = 0; i < 10; i++) queue.addRateLimited('ns/a');
    await clock.advance(1000);
    expect(queue.length).toBe(1);
  });

  it('spaces rate-limited re-adds by the global token bucket once the burst is spent', async () => {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock, baseDelayMs: 1, maxDelayMs: 1, qps: 10, burst: 2 });
    for (const key of ['a', 'b', 'c', 'd']) queue.addRateLimited(key);
    await clock.advance(1);
    expect(queue.length).toBe(2);
    await clock.advance(100);
    expect(queue.length).toBe(3);
    await clock.advance(100);
    expect(queue.length).toBe(4);
  });

  it('shutDown drops queued keys, waits for the in-flight one, then get() returns undefined', async () => {
    const { queue } = newQueue();
    queue.add('a');
    queue.add('b');
    const inFlight = (await queue.get()) as string;
    queue.add(inFlight); // changed again while processing: would be re-queued, but not after shutdown
    let drained = false;
    const shutDown = queue.shutDown().then(() => (drained = true));
    queue.add('c'); // refused after shutdown
    expect(await queue.get()).toBeUndefined();
    await Promise.resolve();
    expect(drained).toBe(false);
    queue.done(inFlight);
    await shutDown;
    expect(drained).toBe(true);
    expect(queue.length).toBe(0);
  });

  it('shuts down at once when nothing is in flight, even with keys queued (a standby replica)', async () => {
    const { queue } = newQueue();
    for (const key of ['a', 'b', 'c']) queue.add(key);
    await queue.shutDown();
    expect(await queue.get()).toBeUndefined();
  });

  it('wakes idle workers with undefined on shutdown and drops delayed retries', async () => {
    const { queue, clock } = newQueue();
    queue.addAfter('later', 500);
    const waiting = queue.get();
    await queue.shutDown();
    expect(await waiting).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });
});
