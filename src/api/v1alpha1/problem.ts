/** One thing wrong (or unchecked) in a policy, at a field path as Kubernetes prints it: `spec.modes[1].name`. */
export interface Problem {
  path: string;
  message: string;
}

/** Longest echo of a value in a message: a 5 MB name must not come back whole. */
const ECHO_MAX = 80;
/** Longest message and path a problem carries (they echo values: a path holds unknown keys). */
const MESSAGE_MAX = 1000;
const PATH_MAX = 240;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** A value quoted in a message, cut to ECHO_MAX characters. */
export function echo(value: unknown): string {
  return cut(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)), ECHO_MAX);
}

/** The key of a path segment (an unknown field's name can be any length). */
export function echoKey(key: string): string {
  return cut(key, ECHO_MAX);
}

/** A problem with its path and message cut to a readable length, whatever they echo. */
export function bounded(p: Problem): Problem {
  return { path: cut(p.path, PATH_MAX), message: cut(p.message, MESSAGE_MAX) };
}
