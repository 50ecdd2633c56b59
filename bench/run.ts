/**
 * `npm run bench [-- NAME...]`: runs every bench/*.bench.ts (compiled to dist/bench), or those named, one after the
 * other so they do not disturb each other's figures. Each prints its own table.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BenchModule {
  run(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(', ')}`);
  process.exitCode = 2;
}
for (const file of files) {
  console.log(`\n=== ${file.replace('.bench.js', '')} ===`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  await mod.run();
}
