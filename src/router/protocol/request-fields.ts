import { invalidRequest, RouterError } from './router-error.js';

/** Chat roles OpenAI and vLLM accept; both front ends check them the same way. */
export const CHAT_ROLES: ReadonlySet<string> = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

export function checkRole(role: unknown, i: number): string {
  if (typeof role !== 'string' || !CHAT_ROLES.has(role))
    throw invalidRequest(`messages[${i}].role must be one of ${[...CHAT_ROLES].join(', ')}`, `messages[${i}].role`);
  return role;
}

/** The model a request names (the served one when it names none and `optional`); 404 for any other. */
export function checkModel(model: unknown, servedModel: string, optional: boolean): string {
  if ((model === undefined || model === '') && optional) return servedModel;
  if (typeof model !== 'string' || model === '') throw invalidRequest('model is required', 'model');
  if (model !== servedModel)
    throw new RouterError(
      'model_not_found',
      `The model \`${model}\` does not exist; this router serves \`${servedModel}\``,
      { param: 'model' },
    );
  return model;
}

/** A number in [min, max] (above `min` when `exclusiveMin`), or undefined when absent; 400 otherwise. */
export function checkNumberIn(
  v: unknown,
  param: string,
  min: number,
  max: number,
  exclusiveMin = false,
): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v > max || (exclusiveMin ? v <= min : v < min))
    throw invalidRequest(
      `${param} must be a number ${exclusiveMin ? 'above' : 'from'} ${min} ${exclusiveMin ? 'up ' : ''}to ${max}`,
      param,
    );
  return v;
}

/** OpenAI's ranges: temperature 0..2, top_p above 0 up to 1. */
export function samplingOf(temperature: unknown, topP: unknown): { temperature?: number; topP?: number } {
  const out: { temperature?: number; topP?: number } = {};
  const t = checkNumberIn(temperature, 'temperature', 0, 2);
  const p = checkNumberIn(topP, 'top_p', 0, 1, true);
  if (t !== undefined) out.temperature = t;
  if (p !== undefined) out.topP = p;
  return out;
}

export function checkPositiveInteger(v: unknown, param: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw invalidRequest(`${param} must be a positive integer`, param);
  return v;
}
