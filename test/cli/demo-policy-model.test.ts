import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startDemo } from '../../src/cli/demo/start-demo.js';
import { parseDemoArgs } from '../../src/cli/demo/options.js';
import { createLogger } from '../../src/observability/logger.js';

describe('demo --policy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("simulates the policy's own model, not a built-in one", async () => {
    const policy = parse(readFileSync('deploy/examples/llama-3.1-8b-h100.yaml', 'utf8')) as { spec: { model: string } };
    policy.spec.model = 'meta-llama/Llama-3.1-70B-Instruct';
    writeFileSync(join(dir, 'policy.yaml'), stringify(policy));
    const options = parseDemoArgs(
      ['--duration', '2', '--rate', '2', '--speedup', '20', '--port-base', '0'],
      join(dir, 'policy.yaml'),
    );
    if (!options) throw new Error('no options');
    // The 8B example's single-GPU modes cannot hold the 70B model: the simulator says so, naming it.
    await expect(
      startDemo(options, { out: () => undefined, logger: createLogger('test', { level: 'error' }) }),
    ).rejects.toThrow(/Llama-3\.1-70B-Instruct in mode 'fp16' needs 141\.1 GB of weights/);
  });
});
