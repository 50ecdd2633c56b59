import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operatorDeployment } from './support/operator-deployment.js';
import { REPO_ROOT } from './support/paths.js';
import { renderChart } from './support/render-chart.js';

/** Dockerfile instructions of the final stage, as [instruction, arguments] pairs. */
function finalStage(): [string, string][] {
  const lines = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const lastFrom = lines.map((l) => l.startsWith('FROM ')).lastIndexOf(true);
  return lines.slice(lastFrom).map((l) => [l.split(/\s+/)[0] as string, l.slice(l.indexOf(' ') + 1)]);
}

describe('Dockerfile', () => {
  const stage = finalStage();
  const arg = (instruction: string) => stage.filter(([i]) => i === instruction).map(([, a]) => a);

  it('compiles in a build stage and ships node:20-slim with production dependencies and the CLI as entrypoint', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    // Both stages on one Node 20 base: Docker Hub's node:20-slim unless --build-arg NODE_IMAGE names another.
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-slim$/m);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/npx tsc -p tsconfig\.image\.json[\s\\]+&& npm prune --omit=dev/);
    expect(arg('FROM')).toEqual(['${NODE_IMAGE}']);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(JSON.parse(arg('ENTRYPOINT')[0] ?? '[]')).toEqual(['node', pkg.bin['modeswitch']]);
  });

  it('runs as the numeric non-root user the chart declares, so runAsNonRoot can verify it', () => {
    const [user, group] = (arg('USER').at(-1) ?? '').split(':').map(Number);
    const pod = operatorDeployment(renderChart()).pod.securityContext as { runAsUser?: number; runAsGroup?: number };
    expect(user).toBeGreaterThan(0);
    expect(user).toBe(pod.runAsUser);
    expect(group).toBe(pod.runAsGroup);
  });

  it('keeps local state out of the build context', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['.git', '.tools', 'node_modules', 'dist', '.env']));
  });
});
