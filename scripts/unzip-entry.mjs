#!/usr/bin/env node
// Extracts one file of a zip archive: `node scripts/unzip-entry.mjs ARCHIVE ENTRY DEST`. Stored and deflated entries
// (what zip writes) are enough here, so setup needs no unzip binary, and so no root to install one.
import { readFileSync, writeFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const [archive, entry, dest] = process.argv.slice(2);
if (!archive || !entry || !dest) {
  console.error('usage: node scripts/unzip-entry.mjs ARCHIVE ENTRY DEST');
  process.exit(2);
}
const zip = readFileSync(archive);
// End of central directory: the last 0x06054b50 record (a trailing comment is at most 65535 bytes).
let eocd = zip.length - 22;
while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
if (eocd < 0) throw new Error(`${archive}: not a zip archive`);
let at = zip.readUInt32LE(eocd + 16);
for (let i = zip.readUInt16LE(eocd + 10); i > 0; i--) {
  const nameLength = zip.readUInt16LE(at + 28);
  const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
  if (name === entry) {
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + compressed);
    if (method !== 0 && method !== 8) throw new Error(`${entry}: compression method ${method} is not supported`);
    const out = method === 0 ? data : inflateRawSync(data);
    if (out.length !== size) throw new Error(`${entry}: ${out.length} bytes extracted, ${size} expected`);
    writeFileSync(dest, out);
    process.exit(0);
  }
  at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
}
throw new Error(`${archive}: no entry ${entry}`);
