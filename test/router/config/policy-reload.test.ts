import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createLogger } from '../../../src/observability/logger.js';
import { parseRouterConfig } from '../../../src/router/config/parse-router-config.js';
import { routerFromConfig } from '../../../src/router/config/start-from-config.js';
import type { Router } from '../../../src/router/create-router.js';
import { startSimEngine } from '../../../src/sim/index.js';
import type { SimEngine } from '../../../src/sim/index.js';
import { chat, MODEL, testPolicy } from '../support/harness.js';
import { waitFor } from '../../support/eventually.js';

describe('a standalone router picks up edits to its policy file', () => {
  const logged: string[] = [];
  const stream = new PassThrough().on('data', (d: Buffer) => void logged.push(d.toString()));
  const logger = createLogger('test', { level: 'error', stream });
  let dir: string;
  let file: string;
  let engines: SimEngine[];
  let router: Router;
  let base: string;
  const policyWith = (defaultMode: string) => stringify(testPolicy({ defaultMode }, ['fp8', 'int4']));

  beforeAll(async () => {
    // Real time (timeScale 1) so the stream below is still running while the policy changes.
    engines = await Promise.all(
      ['fp8', 'int4'].map((mode) => startSimEngine({ mode, port: 0, servedModelName: MODEL, timeScale: 1, logger })),
    );
    dir = mkdtempSync(join(tmpdir(), 'router-reload-'));
    file = join(dir, 'policy.yaml');
    writeFileSync(file, policyWith('fp8'));
    const config = parseRouterConfig({
      policyFile: file,
      endpoints: { fp8: [engines[0]?.url], int4: [engines[1]?.url] },
      listen: { host: '127.0.0.1', httpPort: 0, grpcPort: 0, metricsPort: 0 },
    });
    router = await routerFromConfig(config, {
      logger,
      kubeDiscovery: async () => Promise.reject(new Error('unused')),
      policyDebounceMs: 20,
    });
    base = `http://127.0.0.1:${(await router.start()).httpPort}`;
  });
  afterAll(async () => {
    await router.stop();
    await Promise.all(engines.map((e) => e.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('routes new requests by the edited policy while a stream in flight finishes on the old one', async () => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content: 'tell me a story' }],
        max_tokens: 400,
        stream: true,
      }),
    });
    expect(res.headers.get('x-modeswitch-mode')).toBe('fp8');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = new TextDecoder().decode((await reader.read()).value);

    writeFileSync(file, policyWith('int4'));
    await waitFor('the edited policy', async () => (await chat(base, 'hi')).mode === 'int4');
    expect(engines[0]?.core.runningCount()).toBe(1);

    for (let c = await reader.read(); !c.done; c = await reader.read()) text += new TextDecoder().decode(c.value);
    expect(router.core.policy?.resolved.routing.defaultMode).toBe('int4');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).not.toContain('"error"');
  });

  it('keeps serving with the last good policy when the file turns invalid', async () => {
    writeFileSync(file, policyWith('missing-mode'));
    await waitFor('the rejection in the log', () =>
      logged.some((l) => l.includes('policy file rejected') && l.includes('defaultMode must name a mode')),
    );
    const after = await chat(base, 'hi');
    expect(after.status).toBe(200);
    expect(after.mode).toBe('int4');
  });
});
