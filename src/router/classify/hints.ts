import { REQUEST_TYPES } from '../../api/v1alpha1/rule-env.js';
import type { RequestType } from '../../api/v1alpha1/rule-env.js';
import { InvalidRequestError } from './normalized-request.js';
import type { NormalizedRequest } from './normalized-request.js';

/** Header / gRPC metadata names a client uses to state what the heuristics would guess. */
export const HINT_HEADERS = {
  type: 'x-modeswitch-type',
  difficulty: 'x-modeswitch-difficulty',
  expectedOutputTokens: 'x-modeswitch-expected-output-tokens',
  tenant: 'x-modeswitch-tenant',
  priority: 'x-modeswitch-priority',
} as const;

export interface RawHints {
  type?: string;
  difficulty?: string | number;
  expectedOutputTokens?: string | number;
}

/** Validates hints; empty values mean "no hint". Throws InvalidRequestError naming the bad one. */
export function parseHints(raw: RawHints): NormalizedRequest['hints'] {
  const hints: NormalizedRequest['hints'] = {};
  if (raw.type !== undefined && raw.type !== '') {
    if (!(REQUEST_TYPES as readonly string[]).includes(raw.type)) {
      throw new InvalidRequestError(`request type hint "${raw.type}" is not one of ${REQUEST_TYPES.join(', ')}`, HINT_HEADERS.type);
    }
    hints.type = raw.type as RequestType;
  }
  if (raw.difficulty !== undefined && raw.difficulty !== '') {
    const d = Number(raw.difficulty);
    if (!Number.isFinite(d) || d < 0 || d > 1) throw new InvalidRequestError(`difficulty hint must be a number in 0..1, got "${raw.difficulty}"`, HINT_HEADERS.difficulty);
    hints.difficulty = d;
  }
  if (raw.expectedOutputTokens !== undefined && raw.expectedOutputTokens !== '') {
    const n = Number(raw.expectedOutputTokens);
    if (!Number.isInteger(n) || n < 0) {
      throw new InvalidRequestError(`expected output tokens hint must be a non-negative integer, got "${raw.expectedOutputTokens}"`, HINT_HEADERS.expectedOutputTokens);
    }
    hints.expectedOutputTokens = n;
  }
  return hints;
}

/** Priority from metadata: an integer, 0 when absent. */
export function parsePriority(raw: string | number | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new InvalidRequestError(`priority must be an integer, got "${raw}"`, HINT_HEADERS.priority);
  return n;
}
