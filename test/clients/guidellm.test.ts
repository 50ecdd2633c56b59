import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk, tokenizerDir, venvProgram } from './support/client-tools.js';
import { MODEL, startHarness, testPolicy } from '../router/support/harness.js';
import type { Harness } from '../router/support/harness.js';

/** The parts of guidellm's JSON report read here. */
interface GuidellmBenchmark {
  metrics: {
    request_totals: Record<string, number>;
    output_token_count: { successful: { count: number; mean: number } };
  };
}

/**
 * guidellm (vllm-project/guidellm) benchmarks the router as it benchmarks a vLLM server: it probes /health, then
 * sends synthetic chat requests built with the Llama 3 tokenizer. Four requests, one at a time.
 */
describe('guidellm against the router', () => {
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: { preset: 'fp8' } });
    dir = mkdtempSync(join(tmpdir(), 'guidellm-'));
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes a bounded synchronous benchmark with no errored request', async () => {
    const report = join(dir, 'benchmarks.json');
    const scenario = {
      metadata: { name: 'modeswitch-router', description: 'four synthetic chat requests, one at a time' },
      spec: {
        backend: { kind: 'openai_http', target: h.http, model: MODEL, request_format: '/v1/chat/completions' },
        profile: { kind: 'synchronous' },
        tokenizer: { kind: 'huggingface_auto', model: tokenizerDir() },
        data: [{ kind: 'synthetic_text', prompt_tokens: 32, output_tokens: 8 }],
        constraints: [{ kind: 'max_requests', count: 4 }],
        outputs: [{ kind: 'json', path: report }],
      },
    };
    writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario));
    await runOk(
      venvProgram('guidellm'),
      ['run', '--scenario', join(dir, 'scenario.json'), '--disable-console-interactive'],
      {
        cwd: dir,
        timeoutMs: 240_000,
        env: { GUIDELLM__LOGGING__CONSOLE_LOG_LEVEL: 'WARNING' },
      },
    );
    const result = JSON.parse(readFileSync(report, 'utf8')) as { benchmarks: GuidellmBenchmark[] };
    expect(result.benchmarks).toHaveLength(1);
    const { metrics } = result.benchmarks[0] as GuidellmBenchmark;
    expect(metrics.request_totals).toEqual({ successful: 4, errored: 0, incomplete: 0, total: 4 });
    expect(metrics.output_token_count.successful).toMatchObject({ count: 4, mean: 8 });
  }, 300_000);
});
