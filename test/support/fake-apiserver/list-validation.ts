import type { FieldError } from './errors.js';
import { fieldPath } from './field-path.js';
import type { SchemaProps } from './resources.js';
import { isPlainObject } from './types.js';

/** `x-kubernetes-list-type: map` items with equal keys, and repeated `set` items: the server's "Duplicate value". */
export function findDuplicateListItems(
  value: unknown,
  schema: SchemaProps,
  path: (string | number)[] = [],
): FieldError[] {
  const errors: FieldError[] = [];
  if (Array.isArray(value)) {
    const listType = schema['x-kubernetes-list-type'];
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((item, index) => {
      if (listType === 'map' || listType === 'set') {
        const identity = listType === 'map' ? keyTuple(item, keys) : JSON.stringify(item);
        if (seen.has(identity)) {
          errors.push({
            field: fieldPath([...path, index]),
            reason: 'FieldValueDuplicate',
            detail: `Duplicate value: ${describe(item, keys, listType)}`,
          });
        }
        seen.add(identity);
      }
      if (schema.items) errors.push(...findDuplicateListItems(item, schema.items, [...path, index]));
    });
  } else if (isPlainObject(value)) {
    const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    for (const [key, child] of Object.entries(value)) {
      const childSchema = schema.properties?.[key] ?? additional;
      if (childSchema) errors.push(...findDuplicateListItems(child, childSchema, [...path, key]));
    }
  }
  return errors;
}

function keyTuple(item: unknown, keys: string[]): string {
  return JSON.stringify(keys.map((k) => (isPlainObject(item) ? item[k] : undefined) ?? null));
}

/** Go's %#v of the key map, which is what the real message shows: map[string]interface {}{"name":"fp16"}. */
function describe(item: unknown, keys: string[], listType: string): string {
  if (listType === 'set') return JSON.stringify(item);
  const pairs = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(isPlainObject(item) ? item[k] : null)}`);
  return `map[string]interface {}{${pairs.join(', ')}}`;
}
