import { evaluateCelRules } from './cel-validation.js';
import { type FieldError, invalid } from './errors.js';
import { findDuplicateListItems } from './list-validation.js';
import type { ApiResource } from './resources.js';
import { validateAgainstSchema } from './schema-validation.js';
import { pruneAndDefault } from './structural.js';
import type { KubeObject } from './types.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kinds whose names must be DNS labels (they become host names or label values). */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

/**
 * What the API server checks and changes before storing: the object name, and for custom resources the CRD
 * schema (prune unknown fields, apply defaults, OpenAPI validation, list-map duplicates, CEL rules with oldSelf).
 * Mutates `object` (pruning and defaults); throws 422 Invalid.
 */
export function admit(resource: ApiResource, object: KubeObject, old: KubeObject | undefined): void {
  const errors: FieldError[] = [...nameErrors(resource, object.metadata.name ?? '')];
  if (resource.schema) {
    pruneAndDefault(object, resource.schema);
    const schemaErrors = [
      ...validateAgainstSchema(object, resource.schema),
      ...findDuplicateListItems(object, resource.schema),
    ];
    errors.push(...schemaErrors);
    // CEL rules assume the structure the schema promises; the real server also skips them on malformed objects.
    if (schemaErrors.length === 0) errors.push(...evaluateCelRules(object, old, resource.schema));
  }
  if (errors.length > 0) throw invalid(resource.kind, resource.group, object.metadata.name ?? '', errors);
}

function nameErrors(resource: ApiResource, name: string): FieldError[] {
  const label = LABEL_NAMED.has(resource.kind) && resource.group === '';
  const max = label ? 63 : 253;
  if (name.length <= max && (label ? DNS_LABEL : DNS_SUBDOMAIN).test(name)) return [];
  const rule = label
    ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  return [
    { field: 'metadata.name', reason: 'FieldValueInvalid', detail: `Invalid value: ${JSON.stringify(name)}: ${rule}` },
  ];
}
