import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import type { Metadata } from '../../../gen/envoy/config/core/v3/base_pb.js';

/**
 * Names fixed by the Endpoint Picker Protocol (gateway-api-inference-extension, docs/proposals/004, v1.0.0).
 * The namespaces are the protocol's defaults; gateways that implement it use them.
 */
export const DESTINATION_ENDPOINT_HEADER = 'x-gateway-destination-endpoint';
export const DESTINATION_NAMESPACE = 'envoy.lb';
export const SERVED_ENDPOINT_KEY = 'x-gateway-destination-endpoint-served';
export const SUBSET_NAMESPACE = 'envoy.lb.subset_hint';
export const SUBSET_KEY = 'x-gateway-destination-endpoint-subset';

/**
 * The endpoints (`ip:port`) the data plane allows for this request, or undefined when it set no hint (the whole
 * pool). An empty array is a hint that allows nothing. The protocol shows a list; gateways that copy a header into
 * metadata send one comma-separated string, so both are read.
 */
export function subsetHintOf(metadata: Metadata | undefined): string[] | undefined {
  const ns = metadata?.filterMetadata[SUBSET_NAMESPACE];
  if (!ns || !(SUBSET_KEY in ns)) return undefined;
  const value = ns[SUBSET_KEY];
  const items = Array.isArray(value) ? value : [value];
  return items.flatMap((v) => (typeof v === 'string' ? splitEndpoints(v) : []));
}

/** The endpoint that produced the response, as the data plane reports it on the response path. */
export function servedEndpointOf(metadata: Metadata | undefined): string | undefined {
  const v = metadata?.filterMetadata[DESTINATION_NAMESPACE]?.[SERVED_ENDPOINT_KEY];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The `envoy.lb` dynamic metadata carrying the same ordered list as the destination header. */
export function destinationMetadata(endpoints: string): JsonObject {
  const inner: JsonObject = { [DESTINATION_ENDPOINT_HEADER]: endpoints };
  return { [DESTINATION_NAMESPACE]: inner as JsonValue };
}

function splitEndpoints(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
