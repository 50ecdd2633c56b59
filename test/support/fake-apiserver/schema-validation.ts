import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldError } from './errors.js';
import { fieldPath, jsonTypeName, segmentsOfPointer } from './field-path.js';
import type { SchemaProps } from './resources.js';

// Kubernetes extensions (x-kubernetes-*) are not JSON Schema keywords: strict mode off lets Ajv ignore them;
// formats such as int32 or date-time are loosely checked by the real server too, so they are not enforced.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const compiled = new WeakMap<SchemaProps, ValidateFunction>();

/** OpenAPI v3 schema errors of a (pruned, defaulted) object, worded like the API server's. */
export function validateAgainstSchema(value: unknown, schema: SchemaProps): FieldError[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'if')
    .map((e) => toFieldError(e, value));
}

function toFieldError(error: ErrorObject, root: unknown): FieldError {
  const segments = segmentsOfPointer(error.instancePath, root);
  const path = fieldPath(segments);
  const value = valueAt(root, segments);
  const shown = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? 'null');
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        field: fieldPath([...segments, String(params['missingProperty'])]),
        reason: 'FieldValueRequired',
        detail: 'Required value',
      };
    case 'type':
      return {
        field: path,
        reason: 'FieldValueTypeInvalid',
        detail: `Invalid value: "${jsonTypeName(value)}": ${path} in body must be of type ${String(params['type'])}: ${JSON.stringify(jsonTypeName(value))}`,
      };
    case 'enum':
      return {
        field: path,
        reason: 'FieldValueNotSupported',
        detail: `Unsupported value: ${shown}: supported values: ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'minimum':
      return {
        field: path,
        reason: 'FieldValueInvalid',
        detail: `Invalid value: ${shown}: ${path} in body should be greater than or equal to ${String(params['limit'])}`,
      };
    case 'maximum':
      return {
        field: path,
        reason: 'FieldValueInvalid',
        detail: `Invalid value: ${shown}: ${path} in body should be less than or equal to ${String(params['limit'])}`,
      };
    case 'minLength':
      return {
        field: path,
        reason: 'FieldValueInvalid',
        detail: `Invalid value: ${shown}: ${path} in body should be at least ${String(params['limit'])} chars long`,
      };
    case 'maxLength':
      return {
        field: path,
        reason: 'FieldValueTooLong',
        detail: `Too long: may not be more than ${String(params['limit'])} bytes`,
      };
    case 'pattern':
      return {
        field: path,
        reason: 'FieldValueInvalid',
        detail: `Invalid value: ${shown}: ${path} in body should match '${String(params['pattern'])}'`,
      };
    case 'minItems':
      return {
        field: path,
        reason: 'FieldValueInvalid',
        detail: `Invalid value: ${(value as unknown[]).length}: ${path} in body should have at least ${String(params['limit'])} items`,
      };
    case 'maxItems':
      return {
        field: path,
        reason: 'FieldValueTooMany',
        detail: `Too many: ${(value as unknown[]).length}: must have at most ${String(params['limit'])} items`,
      };
    default:
      return {
        field: path,
        reason: 'FieldValueInvalid',
        detail: `Invalid value: ${shown}: ${path} in body ${error.message ?? 'is invalid'}`,
      };
  }
}

function valueAt(root: unknown, segments: (string | number)[]): unknown {
  let node = root;
  for (const segment of segments) node = (node as Record<string | number, unknown> | undefined)?.[segment];
  return node;
}
