import type { NormalizedRequest } from '../classify/normalized-request.js';

export type GenerationKind = NormalizedRequest['kind'];

/** The OpenAI API path of each kind of generation: where a front takes it, and where the engine is sent it. */
export const GENERATION_PATHS: Readonly<Record<GenerationKind, string>> = {
  chat: '/v1/chat/completions',
  completion: '/v1/completions',
};

const KIND_OF_PATH: ReadonlyMap<string, GenerationKind> = new Map(
  Object.entries(GENERATION_PATHS).map(([kind, path]) => [path, kind as GenerationKind]),
);

/** A request target without its query string. */
export function pathOnly(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

/** The kind of generation a path (without its query) asks for; undefined for every other path. */
export function generationKindOf(path: string): GenerationKind | undefined {
  return KIND_OF_PATH.get(path);
}
