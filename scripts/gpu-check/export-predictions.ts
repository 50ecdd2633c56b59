/**
 * Writes scripts/gpu-check/sim-predictions.json, the simulator's side of the GPU check, so the check needs no
 * TypeScript on the GPU machine:  npm run build && node dist/scripts/gpu-check/export-predictions.js
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/api/repo-root.js';
import { simPredictions } from './predictions.js';

const target = join(repoRoot(), 'scripts', 'gpu-check', 'sim-predictions.json');
writeFileSync(target, `${JSON.stringify(simPredictions(), null, 1)}\n`);
process.stdout.write(`wrote ${target}\n`);
