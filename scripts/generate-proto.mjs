#!/usr/bin/env node
// The one script that regenerates protobuf code: lint the sources, then generate TypeScript into src/gen.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = (args) => execFileSync('npx', ['buf', ...args], { cwd: root, stdio: 'inherit' });

run(['lint']);
run(['generate']);
