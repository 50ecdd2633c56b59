import { randomUUID } from 'node:crypto';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's own x-request-id when it is a sane token (so traces join up), else a fresh UUID. */
export function requestIdOf(given: string | string[] | undefined): string {
  const v = Array.isArray(given) ? given[0] : given;
  return v !== undefined && SAFE_ID.test(v) ? v : randomUUID();
}
