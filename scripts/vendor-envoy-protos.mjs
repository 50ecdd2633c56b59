#!/usr/bin/env node
// Copies into proto/third_party/ exactly the .proto files that envoy.service.ext_proc.v3 needs, from local git
// clones of the published upstream repositories at pinned commits (the buf registry is not always reachable, and a
// vendored closure keeps `npm run generate` offline and reproducible). Nothing here is edited by hand.
//
//   node scripts/vendor-envoy-protos.mjs --data-plane-api <git dir> --xds <git dir> --protoc-gen-validate <git dir>
//
// Each <git dir> is any clone (bare or not) of the repository named below that contains the pinned commit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Where each import prefix comes from; keep proto/third_party/README.md in step when a pin moves. */
const UPSTREAMS = [
  {
    flag: 'data-plane-api',
    repo: 'envoyproxy/data-plane-api',
    rev: '84e84367f2560cdb47b9bb78fd3e615feb80c3e4',
    prefixes: ['envoy/'],
  },
  { flag: 'xds', repo: 'cncf/xds', rev: '5cf4b19495289a9e992ce5e2c3ffb08f2cf387be', prefixes: ['udpa/', 'xds/'] },
  {
    flag: 'protoc-gen-validate',
    repo: 'bufbuild/protoc-gen-validate',
    rev: '4eb9011f3e6d551d067d87c89f082261164fac31',
    prefixes: ['validate/'],
  },
];
/** The roots: the ext_proc service. Everything else is its import closure. */
const ROOTS = ['envoy/service/ext_proc/v3/external_processor.proto'];
/** Well-known types ship with buf and protobuf-es; they are never vendored. */
const BUILT_IN = 'google/protobuf/';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(root, 'proto/third_party');

function main() {
  const { values } = parseArgs({ options: Object.fromEntries(UPSTREAMS.map((u) => [u.flag, { type: 'string' }])) });
  const missing = UPSTREAMS.filter((u) => !values[u.flag]);
  if (missing.length > 0) {
    throw new Error(`missing ${missing.map((u) => `--${u.flag} <git clone of ${u.repo}>`).join(', ')}`);
  }
  const upstreamOf = (path) => {
    const u = UPSTREAMS.find((x) => x.prefixes.some((p) => path.startsWith(p)));
    if (!u) throw new Error(`no upstream vendors ${path}; add it to UPSTREAMS`);
    return u;
  };
  const show = (path) => {
    const u = upstreamOf(path);
    return execFileSync('git', ['-C', values[u.flag], 'show', `${u.rev}:${path}`], { encoding: 'utf8' });
  };

  const files = new Map();
  const todo = [...ROOTS];
  while (todo.length > 0) {
    const path = todo.pop();
    if (files.has(path) || path.startsWith(BUILT_IN)) continue;
    const text = show(path);
    files.set(path, text);
    for (const m of text.matchAll(/^import\s+(?:public\s+|weak\s+)?"([^"]+)";/gm)) todo.push(m[1]);
  }

  for (const u of UPSTREAMS) for (const p of u.prefixes) rmSync(resolve(outDir, p), { recursive: true, force: true });
  for (const [path, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const dest = resolve(outDir, path);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, text);
    console.log(`${upstreamOf(path).repo}@${upstreamOf(path).rev.slice(0, 12)} ${path}`);
  }
  // All three are Apache-2.0, which asks redistributors to pass the licence on.
  const licenses = resolve(outDir, 'LICENSES');
  rmSync(licenses, { recursive: true, force: true });
  mkdirSync(licenses);
  for (const u of UPSTREAMS) {
    const text = execFileSync('git', ['-C', values[u.flag], 'show', `${u.rev}:LICENSE`], { encoding: 'utf8' });
    writeFileSync(resolve(licenses, `${u.repo.replace('/', '-')}.txt`), text);
  }
}

main();
