import { startDemo } from '../../src/cli/demo/start-demo.js';
import { parseDemoArgs } from '../../src/cli/demo/options.js';
import { createLogger } from '../../src/observability/logger.js';

describe('demo --policy with the domain-adapters example', () => {
  it('runs the adapters on the base pods and sends code and math requests to them', async () => {
    const options = parseDemoArgs(
      ['--duration', '20', '--speedup', '20', '--port-base', '0', '--no-serve'],
      'deploy/examples/llama-3.1-8b-domain-adapters.yaml',
    );
    if (!options) throw new Error('no options');
    const run = await startDemo(options, { out: () => undefined, logger: createLogger('test', { level: 'error' }) });
    try {
      // Two fp16 pods carry both adapters and one fp8 pod serves the rest: the adapters take no GPU of their own.
      expect(run.stack.engines.map((e) => e.mode)).toEqual(['fp16', 'fp16', 'fp8']);
      const served = new Set(run.summary.modes.map((m) => m.mode));
      expect(served.has('code') || served.has('math')).toBe(true);
      expect(served.has('fp8')).toBe(true);
    } finally {
      await run.stack.stop();
    }
  }, 60_000);
});
