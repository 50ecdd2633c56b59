/**
 * Open-loop load through the Endpoint Picker, as a gateway drives it, in its own process: per request one ext_proc
 * stream (request headers, then the body with end of stream; then, once the destination came back, the response
 * headers and body as the pod's answer passes through). Times each decision from the last body byte sent to the
 * destination received: what the gateway waits before it can forward. Sends 'ready'; answers each GatewayLoadRun.
 */
import { create } from '@bufbuild/protobuf';
import { credentials, makeGenericClientConstructor, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  ProcessingRequestSchema,
  type ProcessingRequest,
  type ProcessingResponse,
} from '../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js';
import { externalProcessorDefinition } from '../../src/router/front/extproc/extproc-server.js';
import { ANSWER, REQUEST_BODY } from '../router/fixtures.js';
import { openLoop, type OpenLoopResult } from '../router/open-loop.js';

export interface GatewayLoadRun {
  target: string;
  rate: number;
  count: number;
}

/** Latencies: milliseconds from the body's end of stream sent to the destination received. */
export type GatewayLoadResult = OpenLoopResult;

const encoder = new TextEncoder();
const header = (key: string, value: string) => ({ key, rawValue: encoder.encode(value) });
const REQUEST_HEADERS = create(ProcessingRequestSchema, {
  request: {
    case: 'requestHeaders',
    value: {
      headers: {
        headers: [
          header(':method', 'POST'),
          header(':path', '/v1/completions'),
          header('content-type', 'application/json'),
        ],
      },
    },
  },
});
const REQUEST_BODY_MSG = create(ProcessingRequestSchema, {
  request: { case: 'requestBody', value: { body: encoder.encode(REQUEST_BODY), endOfStream: true } },
});
const RESPONSE_BODY = create(ProcessingRequestSchema, {
  request: { case: 'responseBody', value: { body: encoder.encode(ANSWER), endOfStream: true } },
});
const responseHeaders = (served: string) =>
  create(ProcessingRequestSchema, {
    request: {
      case: 'responseHeaders',
      value: { headers: { headers: [header(':status', '200'), header('content-type', 'application/json')] } },
    },
    metadataContext: { filterMetadata: { 'envoy.lb': { 'x-gateway-destination-endpoint-served': served } } },
  });

type Stream = ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
const Client = makeGenericClientConstructor(externalProcessorDefinition, 'ExternalProcessor');
const clients = new Map<string, { process(): Stream }>();
const clientOf = (target: string) =>
  clients.get(target) ??
  clients
    .set(target, new Client(target, credentials.createInsecure()) as unknown as { process(): Stream })
    .get(target)!;

/** One request through the picker; resolves with the decision's latency, or undefined when it was refused. */
function one(target: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const stream = clientOf(target).process();
    let sentAt = 0;
    let decided: number | undefined;
    let answers = 0;
    stream.on('data', (r: ProcessingResponse) => {
      answers++;
      if (r.response.case === 'immediateResponse') {
        stream.end();
        return;
      }
      if (r.response.case === 'requestHeaders') {
        decided = performance.now() - sentAt;
        const list = r.response.value.response?.headerMutation?.setHeaders.find(
          (h) => h.header?.key === 'x-gateway-destination-endpoint',
        );
        const first = new TextDecoder().decode(list?.header?.rawValue).split(',')[0] ?? '';
        stream.write(responseHeaders(first));
        stream.write(RESPONSE_BODY);
      }
      // request headers, request body, response headers, response body: the exchange is complete.
      if (answers === 4) stream.end();
    });
    stream.on('error', () => resolve(undefined));
    stream.on('status', () => resolve(decided));
    stream.write(REQUEST_HEADERS);
    sentAt = performance.now();
    stream.write(REQUEST_BODY_MSG);
  });
}

function run({ target, rate, count }: GatewayLoadRun): Promise<GatewayLoadResult> {
  return openLoop(rate, count, () => one(target));
}

process.on('message', (m) => void run(m as GatewayLoadRun).then((r) => process.send?.(r)));
process.on('disconnect', () => process.exit(0));
process.send?.('ready');
