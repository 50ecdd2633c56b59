/**
 * What Envoy's ext_proc filter sends in FULL_DUPLEX_STREAMED mode, message by message, and readers for what the
 * server sends back. Used by the session tests and by the gRPC test client that plays the data plane.
 */
import { create, type JsonObject } from '@bufbuild/protobuf';
import { credentials, makeGenericClientConstructor, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import type { Metadata } from '../../src/gen/envoy/config/core/v3/base_pb.js';
import { externalProcessorDefinition } from '../../src/router/front/extproc/extproc-server.js';
import {
  ProcessingRequestSchema,
  type CommonResponse,
  type ProcessingRequest,
  type ProcessingResponse,
} from '../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function metadataInit(filterMetadata: Record<string, JsonObject> | undefined): { metadataContext?: Partial<Metadata> } {
  return filterMetadata ? { metadataContext: { filterMetadata } } : {};
}

/** Envoy lower-cases header keys and puts values in raw_value. */
function headerMap(headers: Record<string, string>) {
  return {
    headers: Object.entries(headers).map(([key, value]) => ({
      key: key.toLowerCase(),
      rawValue: encoder.encode(value),
    })),
  };
}

type HeadersOptions = { endOfStream?: boolean; filterMetadata?: Record<string, JsonObject> };

function headersMessage(
  side: 'requestHeaders' | 'responseHeaders',
  headers: Record<string, string>,
  opts: HeadersOptions,
): ProcessingRequest {
  return create(ProcessingRequestSchema, {
    request: { case: side, value: { headers: headerMap(headers), endOfStream: opts.endOfStream ?? false } },
    ...metadataInit(opts.filterMetadata),
  } as never);
}

export function requestHeaders(headers: Record<string, string>, opts: HeadersOptions = {}): ProcessingRequest {
  return headersMessage('requestHeaders', headers, opts);
}

export function requestBody(body: string | Uint8Array, endOfStream: boolean): ProcessingRequest {
  return create(ProcessingRequestSchema, {
    request: { case: 'requestBody', value: { body: bytes(body), endOfStream } },
  });
}

export function requestTrailers(): ProcessingRequest {
  return create(ProcessingRequestSchema, { request: { case: 'requestTrailers', value: {} } });
}

export function responseHeaders(headers: Record<string, string>, opts: HeadersOptions = {}): ProcessingRequest {
  return headersMessage('responseHeaders', headers, opts);
}

export function responseBody(body: string | Uint8Array, endOfStream: boolean): ProcessingRequest {
  return create(ProcessingRequestSchema, {
    request: { case: 'responseBody', value: { body: bytes(body), endOfStream } },
  });
}

/** The served-endpoint metadata a conformant data plane attaches on the response path. */
export function servedMetadata(endpoint: string): Record<string, JsonObject> {
  return { 'envoy.lb': { 'x-gateway-destination-endpoint-served': endpoint } };
}

export function subsetMetadata(endpoints: string[] | string): Record<string, JsonObject> {
  return { 'envoy.lb.subset_hint': { 'x-gateway-destination-endpoint-subset': endpoints } };
}

/** The CommonResponse of a headers, body or trailers answer. */
export function commonOf(r: ProcessingResponse): CommonResponse | undefined {
  switch (r.response.case) {
    case 'requestHeaders':
    case 'responseHeaders':
    case 'requestBody':
    case 'responseBody':
      return r.response.value.response;
    default:
      return undefined;
  }
}

/** The headers a response sets, by name. */
export function setHeadersOf(r: ProcessingResponse): Record<string, string> {
  const mutation = r.response.case === 'immediateResponse' ? r.response.value.headers : commonOf(r)?.headerMutation;
  return Object.fromEntries(
    (mutation?.setHeaders ?? []).map((h) => [h.header?.key ?? '', decoder.decode(h.header?.rawValue)]),
  );
}

/** The body bytes a streamed body response carries, and whether it ends the stream. */
export function streamedBodyOf(r: ProcessingResponse): { body: string; endOfStream: boolean } {
  const m = commonOf(r)?.bodyMutation?.mutation;
  if (m?.case !== 'streamedResponse') throw new Error(`not a streamed body response: ${r.response.case}`);
  return { body: decoder.decode(m.value.body), endOfStream: m.value.endOfStream };
}

export function immediateOf(r: ProcessingResponse): { status: number; body: any; headers: Record<string, string> } {
  if (r.response.case !== 'immediateResponse') throw new Error(`not an immediate response: ${r.response.case}`);
  return {
    status: r.response.value.status?.code ?? 0,
    body: JSON.parse(decoder.decode(r.response.value.body)),
    headers: setHeadersOf(r),
  };
}

function bytes(b: string | Uint8Array): Uint8Array {
  return typeof b === 'string' ? encoder.encode(b) : b;
}

/**
 * One ext_proc stream as Envoy's filter drives it: messages go out as the test writes them, answers are read in
 * order. `cancel()` resets the stream as Envoy does when the downstream client goes away.
 */
export class ExtProcStream {
  private readonly call: ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
  private readonly received: ProcessingResponse[] = [];
  private waiters: Array<() => void> = [];
  /** Resolves with the stream's final gRPC status code once it ends. */
  readonly closed: Promise<number>;

  constructor(client: ExtProcClient) {
    this.call = client.process();
    this.call.on('data', (r: ProcessingResponse) => {
      this.received.push(r);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      this.call.on('status', (s: { code: number }) => {
        resolve(s.code);
        this.wake();
      });
      this.call.on('error', () => undefined);
    });
  }

  send(...reqs: ProcessingRequest[]): this {
    for (const r of reqs) this.call.write(r);
    return this;
  }

  /** The next `n` answers (bounded wait: a missing answer fails the test instead of hanging it). */
  async next(n = 1, timeoutMs = 3000): Promise<ProcessingResponse[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline)
        throw new Error(
          `expected ${n} ext_proc answer(s), got ${this.received.length}: ${this.received.map((r) => r.response.case).join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
    return this.received.splice(0, n);
  }

  /** Answers received so far, without waiting. */
  pending(): number {
    return this.received.length;
  }

  end(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

export interface ExtProcClient extends Client {
  process(): ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
}

const ExtProcCtor = makeGenericClientConstructor(externalProcessorDefinition, 'ExternalProcessor');

export function extProcClient(target: string): ExtProcClient {
  return new ExtProcCtor(target, credentials.createInsecure()) as unknown as ExtProcClient;
}

const HealthCtor = makeGenericClientConstructor(healthService, 'Health');

/** grpc.health.v1 Check of one service name: 'SERVING', 'NOT_SERVING', or the gRPC error's code name. */
export function healthOf(target: string, service: string): Promise<string> {
  const client = new HealthCtor(target, credentials.createInsecure()) as unknown as {
    check(req: { service: string }, cb: (err: { code: number } | null, res?: { status: string }) => void): void;
    close(): void;
  };
  return new Promise((resolve) =>
    client.check({ service }, (err, res) => {
      client.close();
      resolve(err ? `error ${err.code}` : String(res?.status));
    }),
  );
}
