/**
 * The router under test, alone in its process (as deployed). Sends { port } once listening; answers 'memory' with
 * process.memoryUsage() after a full GC (run with --expose-gc), so a soak sees retained memory, not garbage, and
 * 'loop-delay' with the event-loop delay percentiles (ms) since the last ask.
 * Also serves the Endpoint Picker (ext_proc) port, reported as extProcPort, for bench/extproc.bench.ts.
 * Env: BACKEND_URL, ROUTER_LOG_LEVEL (default info, as shipped; the log goes to stderr), ROUTER_POLICY (`one-mode`
 * for one mode and no rule; the four-mode, five-rule bench policy by default), ROUTER_LIMITS (JSON, RouterConfig
 * `limits` over the defaults). 'peak-rss' answers the process's peak resident set so far, in bytes.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger } from '../../src/observability/logger.js';
import { createRouter } from '../../src/router/create-router.js';
import { staticSource } from '../../src/router/pods/static-source.js';
import { ONE_MODE_POLICY, POLICY } from './fixtures.js';

const backend = process.env['BACKEND_URL'];
if (!backend) throw new Error('BACKEND_URL is required');
const policy = process.env['ROUTER_POLICY'] === 'one-mode' ? ONE_MODE_POLICY : POLICY;
const modes = policy.spec.modes.map((m) => m.name);
const router = createRouter({
  discovery: staticSource(policy, Object.fromEntries(modes.map((m) => [m, [backend]]))),
  listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0, extProcPort: 0 },
  dcgmUrls: [],
  scrapeIntervalMs: 1000,
  maxRequestBytes: 4 * 1024 * 1024,
  drainTimeoutMs: 1000,
  logger: createLogger('bench-router', { level: process.env['ROUTER_LOG_LEVEL'] ?? 'info' }),
  limits: JSON.parse(process.env['ROUTER_LIMITS'] ?? '{}') as Record<string, number>,
});
const { httpPort, extProcPort } = await router.start();
// Event-loop delay: how long a request that arrived would wait before the router could even look at it.
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
process.on('message', (m) => {
  if (m === 'memory') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.(process.memoryUsage());
  } else if (m === 'peak-rss') {
    process.send?.(process.resourceUsage().maxRSS * 1024);
  } else if (m === 'loop-delay') {
    const ms = (p: number) => loop.percentile(p) / 1e6;
    process.send?.({ p50: ms(50), p99: ms(99), max: loop.max / 1e6 });
    loop.reset();
  }
});
// A normal exit on SIGTERM too (the bench stops roles with it), so `--cpu-prof` gets to write its profile.
const exit = () => void router.stop().then(() => process.exit(0));
process.on('disconnect', exit);
process.once('SIGTERM', exit);
process.send?.({ port: httpPort, extProcPort });
