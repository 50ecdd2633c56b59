import { badRequest } from './errors.js';
import type { KubeObject } from './types.js';

/** One requirement of a label selector: `a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`. */
export interface LabelRequirement {
  key: string;
  operator: 'in' | 'notin' | 'exists' | '!exists';
  values: string[];
}

/** Parses `labelSelector` as kubectl and client-node send it. Throws 400 on syntax it cannot read. */
export function parseLabelSelector(text: string | undefined): LabelRequirement[] {
  if (!text?.trim()) return [];
  return splitTopLevel(text).map((part) => parseRequirement(part.trim(), text));
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function parseRequirement(part: string, whole: string): LabelRequirement {
  const setMatch = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (setMatch) {
    const values = (setMatch[3] ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { key: setMatch[1] ?? '', operator: setMatch[2] as 'in' | 'notin', values };
  }
  const eqMatch = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(part);
  if (eqMatch) {
    return { key: eqMatch[1] ?? '', operator: eqMatch[2] === '!=' ? 'notin' : 'in', values: [eqMatch[3] ?? ''] };
  }
  const existsMatch = /^(!?)([^\s!=(),]+)$/.exec(part);
  if (existsMatch) return { key: existsMatch[2] ?? '', operator: existsMatch[1] ? '!exists' : 'exists', values: [] };
  throw badRequest(`unable to parse requirement: found '${part}', in selector "${whole}"`);
}

export function matchesLabels(requirements: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  return requirements.every((req) => {
    const value = labels?.[req.key];
    switch (req.operator) {
      case 'exists':
        return value !== undefined;
      case '!exists':
        return value === undefined;
      case 'in':
        return value !== undefined && req.values.includes(value);
      case 'notin':
        return value === undefined || !req.values.includes(value);
    }
  });
}

export interface FieldRequirement {
  field: 'metadata.name' | 'metadata.namespace';
  equals: boolean;
  value: string;
}

/** Field selectors on metadata.name and metadata.namespace (what every resource supports). */
export function parseFieldSelector(text: string | undefined): FieldRequirement[] {
  if (!text?.trim()) return [];
  return text.split(',').map((part) => {
    const match = /^\s*(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(\S*)\s*$/.exec(part);
    if (!match)
      throw badRequest(`"${part.trim()}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    return { field: match[1] as FieldRequirement['field'], equals: match[2] !== '!=', value: match[3] ?? '' };
  });
}

export function matchesFields(requirements: FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((req) => {
    const actual = req.field === 'metadata.name' ? object.metadata.name : (object.metadata.namespace ?? '');
    return (actual === req.value) === req.equals;
  });
}

/** Both selectors of a list or watch request. */
export interface Selector {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

export function parseSelector(labelSelector: string | undefined, fieldSelector: string | undefined): Selector {
  return { labels: parseLabelSelector(labelSelector), fields: parseFieldSelector(fieldSelector) };
}

export function matchesSelector(selector: Selector, object: KubeObject): boolean {
  return matchesLabels(selector.labels, object.metadata.labels) && matchesFields(selector.fields, object);
}
