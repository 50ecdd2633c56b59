import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk, tokenizerDir, venvProgram } from './support/client-tools.js';
import { MODEL, startHarness, testPolicy } from '../router/support/harness.js';
import type { Harness } from '../router/support/harness.js';

/**
 * inference-perf (kubernetes-sigs/inference-perf) drives the router as it drives a vLLM server: streamed completion
 * requests of random prompts built with the Llama 3 tokenizer, 2 per second for 2 seconds.
 */
describe('inference-perf against the router', () => {
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: { preset: 'fp8' } });
    dir = mkdtempSync(join(tmpdir(), 'inference-perf-'));
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a bounded constant-rate stage and reports every request successful', async () => {
    const lengths = (mean: number) => ({ min: mean, max: mean, mean, std_dev: 0, total_count: 4 });
    // JSON is YAML: inference-perf reads this as its --config_file.
    const config = {
      api: { type: 'completion', streaming: true },
      data: { type: 'random', input_distribution: lengths(32), output_distribution: lengths(8) },
      load: { type: 'constant', stages: [{ rate: 2, duration: 2 }], num_workers: 1 },
      server: { type: 'vllm', model_name: MODEL, base_url: h.http, ignore_eos: true },
      tokenizer: { pretrained_model_name_or_path: tokenizerDir() },
      report: { request_lifecycle: { summary: true, per_stage: false, per_request: false } },
      storage: { local_storage: { path: join(dir, 'reports') } },
    };
    writeFileSync(join(dir, 'config.yml'), JSON.stringify(config));
    await runOk(venvProgram('inference-perf'), ['--config_file', join(dir, 'config.yml')], {
      cwd: dir,
      timeoutMs: 240_000,
    });
    const summary = JSON.parse(readFileSync(join(dir, 'reports', 'summary_lifecycle_metrics.json'), 'utf8')) as {
      successes: { count: number; output_tokens: { mean: number }; token_count_mismatches: number };
      failures: { count: number };
    };
    expect(summary.failures.count).toBe(0);
    expect(summary.successes.count).toBe(4);
    expect(summary.successes.output_tokens.mean).toBe(8);
  }, 300_000);
});
