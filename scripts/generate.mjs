// Regenerates everything generated: protobuf code (src/gen) and the CRD (crds/). One entry point, `npm run generate`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });
if (existsSync('scripts/generate-proto.mjs')) run('node', ['scripts/generate-proto.mjs']);
run('npx', ['tsc', '-p', 'tsconfig.build.json']);
run('node', ['dist/scripts/generate-crd.js']);
// The chart carries a copy of the CRD and deploy/install.yaml is rendered from the chart: keep both in step.
run('node', ['scripts/sync-chart.mjs']);
