/** Renders JSON-pointer-like segments as the API server writes field paths: `spec.modes[1].name`. */
export function fieldPath(segments: (string | number)[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path === '' ? segment : `.${segment}`;
  }
  return path === '' ? '<root>' : path;
}

/** Ajv's instancePath (`/spec/modes/1/name`) as segments, numbers for list indexes. */
export function segmentsOfPointer(pointer: string, value: unknown): (string | number)[] {
  const segments: (string | number)[] = [];
  let node: unknown = value;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      segments.push(Number(segment));
      node = node[Number(segment)];
    } else {
      segments.push(segment);
      node = (node as Record<string, unknown> | undefined)?.[segment];
    }
  }
  return segments;
}

/** The type name the API server prints in `Invalid value: "object"`. */
export function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
