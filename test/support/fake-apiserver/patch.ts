import { ApiError, badRequest } from './errors.js';
import { clone, deepEqual } from './json.js';
import { isPlainObject } from './types.js';

/** RFC 7386 JSON merge patch: maps merge, `null` deletes, everything else (lists too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

/** RFC 6902 JSON patch. A failed `test` or a missing path answers 422, as the real server does. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('json patch must be a list of operations');
  let doc = clone(target);
  for (const raw of operations as JsonPatchOperation[]) {
    switch (raw.op) {
      case 'add':
        doc = setAt(doc, raw.path, clone(raw.value), 'add');
        break;
      case 'replace':
        doc = setAt(doc, raw.path, clone(raw.value), 'replace');
        break;
      case 'remove':
        doc = removeAt(doc, raw.path);
        break;
      case 'move': {
        const value = getAt(doc, raw.from ?? '');
        doc = setAt(removeAt(doc, raw.from ?? ''), raw.path, value, 'add');
        break;
      }
      case 'copy':
        doc = setAt(doc, raw.path, clone(getAt(doc, raw.from ?? '')), 'add');
        break;
      case 'test':
        if (!deepEqual(getAt(doc, raw.path), raw.value)) throw patchFailed(`testing value ${raw.path} failed`);
        break;
      default:
        throw badRequest(`unexpected json patch operation ${JSON.stringify((raw as { op?: unknown }).op)}`);
    }
  }
  return doc;
}

function patchFailed(message: string): ApiError {
  return new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`);
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw patchFailed(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function getAt(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const token of tokens(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isPlainObject(node)) node = node[token];
    else throw patchFailed(`path ${pointer} does not exist`);
    if (node === undefined) throw patchFailed(`path ${pointer} does not exist`);
  }
  return node;
}

function parentOf(doc: unknown, pointer: string): { parent: unknown; last: string } {
  const all = tokens(pointer);
  const last = all.pop();
  if (last === undefined) throw patchFailed('cannot change the document root');
  const parentPointer = all.map((t) => `/${t.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
  return { parent: getAt(doc, parentPointer), last };
}

function setAt(doc: unknown, pointer: string, value: unknown, mode: 'add' | 'replace'): unknown {
  if (pointer === '') return value;
  const { parent, last } = parentOf(doc, pointer);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw patchFailed(`index ${last} out of range`);
    if (mode === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (isPlainObject(parent)) {
    if (mode === 'replace' && !(last in parent)) throw patchFailed(`path ${pointer} does not exist`);
    parent[last] = value;
  } else throw patchFailed(`path ${pointer} does not exist`);
  return doc;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const { parent, last } = parentOf(doc, pointer);
  if (Array.isArray(parent) && Number(last) < parent.length) parent.splice(Number(last), 1);
  else if (isPlainObject(parent) && last in parent) delete parent[last];
  else throw patchFailed(`path ${pointer} does not exist`);
  return doc;
}
