import { createLogger } from '../../../src/observability/logger.js';
import { WorkQueue } from '../../../src/operator/runtime/work-queue.js';
import { runWorkers } from '../../../src/operator/runtime/workers.js';
import { FakeClock } from '../../kube/fake-clock.js';

const logger = createLogger('workers-test', { level: 'error' });

describe('runWorkers', () => {
  it('runs a periodic reconciler again after the interval it asks for, and retries a failure no later than that', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    // The capacity controller's queue: a failure backs off, never past the planning interval.
    const queue = new WorkQueue({ clock, baseDelayMs: 1000, maxDelayMs: 15_000 });
    const runs: number[] = [];
    let failing = false;
    const workers = runWorkers({
      queue,
      count: 1,
      controller: 'capacity',
      process: async () => {
        runs.push((clock.now() - start) / 1000);
        if (failing) throw new Error('API server unavailable');
        return { requeueAfterMs: 15_000 };
      },
      logger,
      clock,
    });
    queue.add('llm/llama');
    await clock.advance(44_000);
    expect(runs).toEqual([0, 15, 30]);
    // A policy event in between runs it at once; the step already planned stays the only one, not a second series.
    queue.add('llm/llama');
    await clock.advance(31_000);
    expect(runs).toEqual([0, 15, 30, 44, 45, 60, 75]);
    failing = true;
    await clock.advance(90_000);
    // 1 s, 2 s, 4 s, 8 s, then capped at 15 s.
    expect(runs.slice(7)).toEqual([90, 91, 93, 97, 105, 120, 135, 150, 165]);
    await queue.shutDown();
    await workers;
  });
});
