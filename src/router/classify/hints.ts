import { REQUEST_TYPES } from '../../api/v1alpha1/rule-env.js';
import type { RequestType } from '../../api/v1alpha1/rule-env.js';
import { invalidRequest } from '../protocol/router-error.js';
import { DOMAIN_HINT_HEADER, isDomainName } from './domain.js';
import type { NormalizedRequest } from './normalized-request.js';

/** Header / gRPC metadata names a client uses to state what the heuristics would guess. */
export const HINT_HEADERS = {
  type: 'x-modeswitch-type',
  difficulty: 'x-modeswitch-difficulty',
  expectedOutputTokens: 'x-modeswitch-expected-output-tokens',
  tenant: 'x-modeswitch-tenant',
  priority: 'x-modeswitch-priority',
  domain: DOMAIN_HINT_HEADER,
} as const;

export interface RawHints {
  type?: string;
  difficulty?: string | number;
  expectedOutputTokens?: string | number;
  domain?: string;
}

// Plain decimal text only: Number() would also take `0x10`, `1e308`, ` 5 ` and `Infinity`.
const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]{0,8})$/;
const UNIT_FRACTION = /^(0(\.[0-9]{1,6})?|1(\.0{1,6})?|\.[0-9]{1,6})$/;

/** A header's integer (or a protobuf field's number): decimal digits, at most nine, optionally signed. */
function integerOf(raw: string | number, signed: boolean): number | undefined {
  const n = typeof raw === 'number' ? raw : DECIMAL_INTEGER.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && (signed || n >= 0) && Math.abs(n) < 1e9 ? n : undefined;
}

/** Validates hints; empty values mean "no hint". Throws a RouterError naming the bad one. */
export function parseHints(raw: RawHints): NormalizedRequest['hints'] {
  const hints: NormalizedRequest['hints'] = {};
  if (raw.type !== undefined && raw.type !== '') {
    if (!(REQUEST_TYPES as readonly string[]).includes(raw.type)) {
      throw invalidRequest(
        `request type hint "${raw.type}" is not one of ${REQUEST_TYPES.join(', ')}`,
        HINT_HEADERS.type,
      );
    }
    hints.type = raw.type as RequestType;
  }
  if (raw.difficulty !== undefined && raw.difficulty !== '') {
    const d =
      typeof raw.difficulty === 'number'
        ? raw.difficulty
        : UNIT_FRACTION.test(raw.difficulty)
          ? Number(raw.difficulty)
          : NaN;
    if (!(d >= 0 && d <= 1))
      throw invalidRequest(
        `difficulty hint must be a decimal number in 0..1, got "${raw.difficulty}"`,
        HINT_HEADERS.difficulty,
      );
    hints.difficulty = d;
  }
  if (raw.expectedOutputTokens !== undefined && raw.expectedOutputTokens !== '') {
    const n = integerOf(raw.expectedOutputTokens, false);
    if (n === undefined)
      throw invalidRequest(
        `expected output tokens hint must be a non-negative decimal integer, got "${raw.expectedOutputTokens}"`,
        HINT_HEADERS.expectedOutputTokens,
      );
    hints.expectedOutputTokens = n;
  }
  if (raw.domain !== undefined && raw.domain !== '') {
    if (!isDomainName(raw.domain))
      throw invalidRequest(
        `domain hint must be a lower-case DNS label such as code or math, got "${raw.domain}"`,
        HINT_HEADERS.domain,
      );
    hints.domain = raw.domain;
  }
  return hints;
}

/** Priority: a decimal integer, 0 when absent. */
export function parsePriority(raw: string | number | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const n = integerOf(raw, true);
  if (n === undefined) throw invalidRequest(`priority must be a decimal integer, got "${raw}"`, HINT_HEADERS.priority);
  return n;
}

/**
 * A request from a caller whose hints are not used (`routing.clientHints: Ignore`, or a client key the policy does
 * not trust: src/router/auth/caller.ts) is decided on the router's own estimates: its hints, tenant and priority are
 * dropped.
 */
export function applyHintTrust(req: NormalizedRequest, usesHints: boolean): NormalizedRequest {
  if (usesHints) return req;
  return { ...req, hints: {}, tenant: '', priority: 0 };
}
