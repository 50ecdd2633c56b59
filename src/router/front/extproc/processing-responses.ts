import { create } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { HeaderValueOption_HeaderAppendAction, type HeaderMap } from '../../../gen/envoy/config/core/v3/base_pb.js';
import {
  HeaderMutationSchema,
  ProcessingResponseSchema,
  type ProcessingResponse,
} from '../../../gen/envoy/service/ext_proc/v3/external_processor_pb.js';
import { destinationMetadata, DESTINATION_ENDPOINT_HEADER } from './endpoint-metadata.js';
import { httpStatusOf, openAiErrorOf } from '../../protocol/http-status.js';
import type { RouterError } from '../../protocol/router-error.js';

/** Envoy recommends streamed body chunks of at most 64 KiB (processing_mode.proto, FULL_DUPLEX_STREAMED). */
export const MAX_BODY_CHUNK = 64 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Header values travel in `raw_value`: Envoy lower-cases keys and ignores `value` when `raw_value` is set. */
function headerMutation(
  set: Readonly<Record<string, string>>,
  remove: readonly string[] = [],
): MessageInitShape<typeof HeaderMutationSchema> {
  return {
    setHeaders: Object.entries(set).map(([key, value]) => ({
      header: { key, rawValue: encoder.encode(value) },
      appendAction: HeaderValueOption_HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD,
    })),
    removeHeaders: [...remove],
  };
}

/** Headers as one lower-cased map; a repeated header keeps its first value (the only ones read here are single). */
export function headersOf(map: HeaderMap | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of map?.headers ?? []) {
    const key = h.key.toLowerCase();
    if (key in out) continue;
    out[key] = h.rawValue.length > 0 ? decoder.decode(h.rawValue) : h.value;
  }
  return out;
}

/**
 * The answer to the request headers once the pod is picked: the destination header and the `envoy.lb` dynamic
 * metadata carry the same ordered list (the protocol forbids two values). The route cache is cleared because the
 * destination header may select the route's cluster.
 */
export function routedHeadersResponse(
  endpoints: readonly string[],
  setHeaders: Readonly<Record<string, string>>,
  removeHeaders: readonly string[],
): ProcessingResponse {
  const list = endpoints.join(',');
  return create(ProcessingResponseSchema, {
    response: {
      case: 'requestHeaders',
      value: {
        response: {
          clearRouteCache: true,
          headerMutation: headerMutation({ ...setHeaders, [DESTINATION_ENDPOINT_HEADER]: list }, removeHeaders),
        },
      },
    },
    dynamicMetadata: destinationMetadata(list),
  });
}

/** Headers passed on unchanged but for `set` (the response headers). */
export function headersResponse(
  side: 'requestHeaders' | 'responseHeaders',
  set: Readonly<Record<string, string>> = {},
): ProcessingResponse {
  return create(ProcessingResponseSchema, {
    response: { case: side, value: { response: { headerMutation: headerMutation(set) } } },
  });
}

/**
 * A body in FULL_DUPLEX_STREAMED mode: the data plane forwards exactly what comes back, so every received byte the
 * server keeps must be sent back as a streamed body response. Split into recommended-size chunks; an empty body is
 * still one message when it ends the stream.
 */
export function streamedBodyResponses(
  side: 'requestBody' | 'responseBody',
  body: Uint8Array,
  endOfStream: boolean,
): ProcessingResponse[] {
  const out: ProcessingResponse[] = [];
  for (let at = 0; at < body.length || (at === 0 && out.length === 0); at += MAX_BODY_CHUNK) {
    const chunk = body.subarray(at, at + MAX_BODY_CHUNK);
    const last = at + MAX_BODY_CHUNK >= body.length;
    out.push(
      create(ProcessingResponseSchema, {
        response: {
          case: side,
          value: {
            response: {
              bodyMutation: {
                mutation: { case: 'streamedResponse', value: { body: chunk, endOfStream: endOfStream && last } },
              },
            },
          },
        },
      }),
    );
    if (body.length === 0) break;
  }
  return out;
}

export function trailersResponse(side: 'requestTrailers' | 'responseTrailers'): ProcessingResponse {
  return create(ProcessingResponseSchema, { response: { case: side, value: {} } });
}

/** What the router answers instead of a pod: an HTTP status and an OpenAI-shaped JSON error. */
export interface LocalAnswer {
  status: number;
  error: { message: string; type: string; param: string | null; code: string | null };
  /** Extra response headers (retry-after, x-modeswitch-*). */
  headers?: Readonly<Record<string, string>>;
}

/** The data plane answers the client itself and sends nothing upstream (no pod, shed, malformed). */
export function immediateResponse(answer: LocalAnswer): ProcessingResponse {
  return create(ProcessingResponseSchema, {
    response: {
      case: 'immediateResponse',
      value: {
        status: { code: answer.status },
        headers: headerMutation({ 'content-type': 'application/json', ...answer.headers }),
        body: encoder.encode(JSON.stringify({ error: answer.error })),
        details: `modeswitch_${answer.error.type}`,
      },
    },
  });
}

/** A refusal of the router's own (its RouterError) as the data plane's local answer, in OpenAI's error shape. */
export function errorAnswer(
  e: RouterError,
  status = httpStatusOf(e),
  headers: Record<string, string> = {},
): LocalAnswer {
  return {
    status,
    error: openAiErrorOf(e),
    headers: {
      ...(e.retryAfterSeconds !== undefined ? { 'retry-after': String(e.retryAfterSeconds) } : {}),
      ...headers,
    },
  };
}
