import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../../src/api/repo-root.js';

// The floors of src/, bottom to top (docs/design.md, "The code, floor by floor"): a folder imports only from its own
// floor or those below, so the house reads top-down and no two folders import each other.
const FLOORS = [
  'gen',
  'api',
  'observability',
  'model',
  'metrics',
  'capacity',
  'kube',
  'router',
  'operator',
  'sim',
  'replay',
  'cli',
];

const IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

interface Edge {
  from: string;
  to: string;
}

function relativeImports(root: string, files: string[]): Edge[] {
  return files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => ({
      from: relative(root, file),
      to: relative(root, resolve(dirname(file), m[1]!)),
    })),
  );
}

const root = repoRoot();
const srcEdges = relativeImports(
  root,
  sourceFiles(join(root, 'src')).filter((f) => !f.includes('/src/gen/')),
);

function floorOf(path: string): string {
  return path.split('/')[1]!;
}

describe('the layout of src/', () => {
  it('has every top-level folder on a floor', () => {
    const folders = readdirSync(join(root, 'src')).filter((n) => statSync(join(root, 'src', n)).isDirectory());
    expect(folders.filter((f) => !FLOORS.includes(f))).toEqual([]);
  });

  it('imports only from the same floor or below', () => {
    const upward = srcEdges
      .filter((e) => e.to.startsWith('src/') && FLOORS.indexOf(floorOf(e.to)) > FLOORS.indexOf(floorOf(e.from)))
      .map((e) => `${e.from} -> ${e.to}`);
    expect(upward).toEqual([]);
  });

  it('has no two folders that import each other, at any depth', () => {
    const folderEdges = new Set<string>();
    for (const e of srcEdges) {
      const a = dirname(e.from).split('/');
      const b = dirname(e.to).split('/');
      // Compare the folders where the two paths part: src/router/front/http -> src/router/serve is front -> serve.
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      if (i < a.length && i < b.length)
        folderEdges.add(`${a.slice(0, i + 1).join('/')} ${b.slice(0, i + 1).join('/')}`);
      // A folder and its own subfolder: the parent's files importing the child and the child's importing the parent.
      else if (i === a.length && i < b.length) folderEdges.add(`${a.join('/')} ${b.slice(0, i + 1).join('/')}`);
      else if (i === b.length && i < a.length) folderEdges.add(`${a.slice(0, i + 1).join('/')} ${b.join('/')}`);
    }
    const loops = [...folderEdges].filter((edge) => {
      const [a, b] = edge.split(' ');
      return a! < b! && folderEdges.has(`${b} ${a}`);
    });
    expect(loops).toEqual([]);
  });

  it('never reaches test code from src/ or bench/', () => {
    const files = [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'bench'))];
    const intoTests = relativeImports(root, files).filter((e) => e.to.startsWith('test/'));
    expect(intoTests).toEqual([]);
  });
});
