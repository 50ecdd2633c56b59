/** Writes crds/ and docs/policy.md from src/api (run through `npm run generate`). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildCrd, CRD_FILE } from '../src/api/v1alpha1/crd.js';
import { repoRoot } from '../src/api/repo-root.js';
import { policyReferenceMarkdown } from '../src/api/v1alpha1/reference.js';

const dir = join(repoRoot(), 'crds');
mkdirSync(dir, { recursive: true });
const header = '# Generated from src/api/v1alpha1 by `npm run generate`. Do not edit.\n';
writeFileSync(join(dir, CRD_FILE), header + stringify(buildCrd(), { lineWidth: 0 }));
console.log(`wrote crds/${CRD_FILE}`);
writeFileSync(join(repoRoot(), 'docs', 'policy.md'), policyReferenceMarkdown());
console.log('wrote docs/policy.md');
