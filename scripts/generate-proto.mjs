#!/usr/bin/env node
// The one script that regenerates protobuf code: lint our sources, then generate TypeScript into src/gen (ours and
// the vendored Envoy ext_proc API in proto/third_party, see its README).
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = (args) => execFileSync('npx', ['buf', ...args], { cwd: root, stdio: 'inherit' });

run(['lint']);
run(['generate']);
