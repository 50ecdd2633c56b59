import { celEnv, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { FieldError } from './errors.js';
import { fieldPath, jsonTypeName } from './field-path.js';
import type { SchemaProps, ValidationRule } from './resources.js';
import { isPlainObject } from './types.js';

type Program = (bindings: Record<string, CelInput>) => unknown;

const env = celEnv({ funcs: strings });
const programs = new Map<string, Program | Error>();

function program(expression: string): Program | Error {
  let compiled = programs.get(expression);
  if (!compiled) {
    try {
      compiled = plan(env, parse(expression)) as Program;
    } catch (error) {
      compiled = error instanceof Error ? error : new Error(String(error));
    }
    programs.set(expression, compiled);
  }
  return compiled;
}

/**
 * Evaluates every `x-kubernetes-validations` rule of the schema against the object (`self`) and, on update, the
 * stored object (`oldSelf`; transition rules are skipped when there is no old value, as the real server does).
 */
export function evaluateCelRules(value: unknown, oldValue: unknown, schema: SchemaProps): FieldError[] {
  const errors: FieldError[] = [];
  walk(value, oldValue, schema, [], errors);
  return errors;
}

function walk(
  value: unknown,
  oldValue: unknown,
  schema: SchemaProps,
  path: (string | number)[],
  errors: FieldError[],
): void {
  if (value === undefined || value === null) return;
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const error = checkRule(rule, value, oldValue, schema, path);
    if (error) errors.push(error);
  }
  if (Array.isArray(value) && schema.items) {
    const keys = schema['x-kubernetes-list-type'] === 'map' ? (schema['x-kubernetes-list-map-keys'] ?? []) : undefined;
    value.forEach((item, i) =>
      walk(item, keys ? oldItem(oldValue, item, keys) : undefined, schema.items as SchemaProps, [...path, i], errors),
    );
  } else if (isPlainObject(value)) {
    const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    for (const [key, child] of Object.entries(value)) {
      const childSchema = schema.properties?.[key] ?? additional;
      const oldChild = isPlainObject(oldValue) ? oldValue[key] : undefined;
      if (childSchema) walk(child, oldChild, childSchema, [...path, key], errors);
    }
  }
}

function oldItem(oldList: unknown, item: unknown, keys: string[]): unknown {
  if (!Array.isArray(oldList) || !isPlainObject(item)) return undefined;
  return oldList.find((old) => isPlainObject(old) && keys.every((k) => old[k] === item[k]));
}

function checkRule(
  rule: ValidationRule,
  value: unknown,
  oldValue: unknown,
  schema: SchemaProps,
  path: (string | number)[],
): FieldError | undefined {
  const isTransition = rule.rule.includes('oldSelf');
  if (isTransition && oldValue === undefined) return undefined;
  const field = fieldPath(rule.fieldPath ? [...path, ...rule.fieldPath.replace(/^\./, '').split('.')] : path);
  const compiled = program(rule.rule);
  const bindings: Record<string, CelInput> = { self: toCel(value, schema) };
  if (isTransition) bindings['oldSelf'] = toCel(oldValue, schema);
  const result = compiled instanceof Error ? compiled : compiled(bindings);
  if (result === true) return undefined;
  const typeName = jsonTypeName(value);
  if (result instanceof Error || isCelError(result)) {
    const message = result instanceof Error ? result.message : String(result);
    return {
      field,
      reason: 'FieldValueInvalid',
      detail: `Invalid value: "${typeName}": ${message} evaluating rule: ${rule.rule}`,
    };
  }
  const message = ruleMessage(rule, bindings);
  switch (rule.reason) {
    case 'FieldValueForbidden':
      return { field, reason: rule.reason, detail: `Forbidden: ${message}` };
    case 'FieldValueRequired':
      return { field, reason: rule.reason, detail: `Required value: ${message}` };
    case 'FieldValueDuplicate':
      return { field, reason: rule.reason, detail: `Duplicate value: ${message}` };
    default:
      return { field, reason: 'FieldValueInvalid', detail: `Invalid value: "${typeName}": ${message}` };
  }
}

function ruleMessage(rule: ValidationRule, bindings: Record<string, CelInput>): string {
  if (rule.messageExpression) {
    const compiled = program(rule.messageExpression);
    const text = compiled instanceof Error ? undefined : compiled(bindings);
    if (typeof text === 'string' && text.trim() !== '') return text;
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}

/** JSON to CEL input: integers become CEL ints (bigint) unless the schema says `number`. */
function toCel(value: unknown, schema: SchemaProps | undefined): CelInput {
  if (typeof value === 'number') {
    return Number.isInteger(value) && schema?.type !== 'number' ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => toCel(item, schema?.items));
  if (isPlainObject(value)) {
    const additional = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    const result: Record<string, CelInput> = {};
    for (const [key, child] of Object.entries(value))
      result[key] = toCel(child, schema?.properties?.[key] ?? additional);
    return result as unknown as CelInput;
  }
  return value as CelInput;
}
