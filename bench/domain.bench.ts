/**
 * `npm run bench -- domain`: accuracy of the router's domain classifier on the shipped labelled sample
 * (data/domain-sample), per domain with what it was mistaken for, and its cost per request.
 */
import { performance } from 'node:perf_hooks';
import { classifyDomain } from '../src/router/classify/domain.js';
import { loadDomainSample, measureDomainAccuracy } from '../src/router/classify/domain-sample.js';

export async function run(): Promise<void> {
  const sample = loadDomainSample();
  // The cue lists were revised once after reading the errors on the even-numbered prompts; the odd-numbered half
  // was not read, so its figure is the honest one.
  const seen = measureDomainAccuracy(
    sample.filter((_, i) => i % 2 === 0),
    classifyDomain,
  );
  const heldOut = measureDomainAccuracy(
    sample.filter((_, i) => i % 2 === 1),
    classifyDomain,
  );
  const result = measureDomainAccuracy(sample, classifyDomain);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(`domain classifier on ${result.total} labelled prompts: accuracy ${pct(result.accuracy)}`);
  console.log(
    `  held-out half (errors never read): ${pct(heldOut.accuracy)} of ${heldOut.total}; half read while revising the cues: ${pct(seen.accuracy)} of ${seen.total}`,
  );
  for (const [domain, r] of Object.entries(result.byDomain)) {
    const wrong = Object.entries(r.mistakenFor)
      .map(([d, n]) => `${n} as ${d}`)
      .join(', ');
    console.log(
      `  ${domain.padEnd(8)} ${r.correct}/${r.total} (${((100 * r.correct) / r.total).toFixed(1)}%)${wrong ? `  wrong: ${wrong}` : ''}`,
    );
  }
  const rounds = 200;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) for (const { prompt } of sample) classifyDomain(prompt);
  const us = ((performance.now() - start) * 1000) / (rounds * sample.length);
  console.log(`  cost: ${us.toFixed(2)} µs per request (mean over ${rounds * sample.length} calls)`);
}
