import { clone } from './json.js';
import type { SchemaProps } from './resources.js';
import { isPlainObject } from './types.js';

/** Fields every object keeps at its root (and every embedded resource), whatever the schema says. */
const OBJECT_ROOT_FIELDS = ['apiVersion', 'kind', 'metadata'];

/**
 * Drops fields the schema does not know and fills in `default`s, in place, like the API server does for
 * structural CRD schemas before validating (prune, then default).
 */
export function pruneAndDefault(value: unknown, schema: SchemaProps, isRoot = true): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) pruneAndDefault(item, schema.items, false);
    return;
  }
  if (!isPlainObject(value)) return;
  const keepRoot = isRoot || schema['x-kubernetes-embedded-resource'] === true;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
  for (const key of Object.keys(value)) {
    if (keepRoot && OBJECT_ROOT_FIELDS.includes(key)) continue;
    const propertySchema = schema.properties?.[key] ?? additional;
    if (propertySchema) pruneAndDefault(value[key], propertySchema, false);
    else if (!preserve) delete value[key];
  }
  for (const [key, propertySchema] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && propertySchema.default !== undefined) {
      value[key] = clone(propertySchema.default);
      pruneAndDefault(value[key], propertySchema, false);
    }
  }
}
