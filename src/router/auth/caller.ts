import type { ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import { RouterError } from '../protocol/router-error.js';
import type { ClientKeys } from './client-keys.js';

/** Who sent a request: the client its API key names, or anonymous on a router that takes no keys. */
export interface Caller {
  client?: string;
}

const ANONYMOUS: Caller = {};
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header or none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
}

/**
 * The caller of a request from its `Authorization` header (HTTP, gRPC metadata, or as the gateway forwards it on
 * ext_proc). Without client keys everyone is anonymous; with them a request without a known key is refused
 * (unauthenticated). Error messages never repeat the key.
 */
export function authenticate(keys: ClientKeys | undefined, authorization: string | undefined): Caller {
  if (!keys) return ANONYMOUS;
  const key = bearerToken(authorization);
  if (key === undefined)
    throw new RouterError('unauthenticated', 'this router needs an API key: send Authorization: Bearer <key>');
  const client = keys.clientOf(key);
  if (client === undefined) throw new RouterError('unauthenticated', 'the API key is not valid');
  return { client };
}

/**
 * Whether the policy trusts the caller: every anonymous caller (a router without client keys, as before there were
 * keys), else a client listed in `router.clientAuth.trustedKeys`. Only trusted callers may call Classify.
 */
export function trusts(policy: ResolvedPolicy, caller: Caller): boolean {
  return caller.client === undefined || (policy.router.clientAuth?.trustedKeys ?? []).includes(caller.client);
}

/** Whether the caller's x-modeswitch-* hints, tenant and priority are used: trusted, and not `clientHints: Ignore`. */
export function usesHintsOf(policy: ResolvedPolicy, caller: Caller): boolean {
  return policy.routing.clientHints === 'Trust' && trusts(policy, caller);
}
