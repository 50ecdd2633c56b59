import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/observability/logger.js';
import { createRouterMetrics } from '../../src/router/accounting/router-metrics.js';
import { guardProcess } from '../../src/router/process-guard.js';

describe('the process guard', () => {
  // Node emits these events on the process; jest keeps the real process's to itself, so they are emitted here by hand.
  it('logs and counts a rejection nobody handled and an exception nobody caught', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
    const metrics = createRouterMetrics({ policy: () => 'p', modeStates: () => new Map(), telemetryAge: () => 0 });
    const proc = new EventEmitter();
    const unguard = guardProcess(
      createLogger('test', { level: 'error', stream }),
      metrics,
      proc as unknown as NodeJS.Process,
    );
    proc.emit('unhandledRejection', new Error('a fault nobody awaited'));
    proc.emit('uncaughtException', new Error('a fault nobody caught'));
    unguard();
    expect(proc.emit('uncaughtException', new Error('after'))).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    const text = await metrics.registry.getSingleMetricAsString('modeswitch_router_faults_total');
    expect(text).toMatch(/where="unhandled_rejection"\} 1/);
    expect(text).toMatch(/where="uncaught_exception"\} 1/);
    expect(lines.join('\n')).toMatch(/a fault nobody awaited/);
    expect(lines.join('\n')).toMatch(/a fault nobody caught/);
  });
});
