import { toBinary } from '@bufbuild/protobuf';
import { Server, status, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import {
  ExternalProcessor,
  ProcessingRequestSchema,
  ProcessingResponseSchema,
  type ProcessingRequest,
  type ProcessingResponse,
} from '../../../gen/envoy/service/ext_proc/v3/external_processor_pb.js';
import type { Logger } from '../../../observability/logger.js';
import { codec } from '../grpc/service-definition.js';
import { ExtProcSession, type GatewayRouting } from './extproc-session.js';

const requestCodec = codec(ProcessingRequestSchema);
const responseCodec = codec(ProcessingResponseSchema);
/** The session's answers are complete messages already: serialize them without the codec's defensive copy. */
const serializeAnswer = (m: ProcessingResponse) => Buffer.from(toBinary(ProcessingResponseSchema, m));

/** envoy.service.ext_proc.v3.ExternalProcessor for grpc-js, with protobuf-es messages (server and test clients). */
export const externalProcessorDefinition = {
  process: {
    path: `/${ExternalProcessor.typeName}/Process`,
    requestStream: true,
    responseStream: true,
    requestSerialize: requestCodec.serialize,
    requestDeserialize: requestCodec.deserialize,
    responseSerialize: serializeAnswer,
    responseDeserialize: responseCodec.deserialize,
  },
} satisfies ServiceDefinition;

/** The health services the Endpoint Picker Protocol names; liveness is SERVING while the process answers at all. */
export const LIVENESS = 'liveness';
export const READINESS = 'readiness';

export interface ExtProcFront {
  server: Server;
  /** readiness, the ext_proc service and '' follow the router's readiness. */
  setServing: (serving: boolean) => void;
}

export interface ExtProcOptions {
  /** Streams open at once; more are closed at once with RESOURCE_EXHAUSTED (each holds memory and a timer). */
  maxStreams: number;
  /** Time for a stream's request (headers and body) to arrive; past it the request is answered 408. */
  requestTimeoutMs: number;
  /** Called when a fault of the router's own ends a stream (counted in modeswitch_router_faults_total). */
  onFault: () => void;
}

/**
 * The Endpoint Picker front: Envoy's ext_proc service on its own gRPC server (its own port), one ExtProcSession
 * per stream, plus gRPC health. Answers are written as the session produces them; a slow data plane pauses reading.
 */
export function createExtProcFront(routing: GatewayRouting, logger: Logger, limits: ExtProcOptions): ExtProcFront {
  const server = new Server({ 'grpc.max_receive_message_length': routing.maxRequestBytes + 64 * 1024 });
  let open = 0;
  server.addService(externalProcessorDefinition, {
    process: (call: ServerDuplexStream<ProcessingRequest, ProcessingResponse>) => {
      if (open >= limits.maxStreams) {
        // The data plane applies the pool's failureMode, as for any other failure of the picker.
        call.emit('error', {
          code: status.RESOURCE_EXHAUSTED,
          details: `the router already serves ${limits.maxStreams} ext_proc streams; retry shortly`,
        });
        return;
      }
      open++;
      serveStream(call, routing, logger, limits, () => open--);
    },
  });
  const health = new HealthImplementation({
    '': 'NOT_SERVING',
    [LIVENESS]: 'SERVING',
    [READINESS]: 'NOT_SERVING',
    [ExternalProcessor.typeName]: 'NOT_SERVING',
  });
  health.addToServer(server);
  return {
    server,
    setServing: (serving) => {
      const s = serving ? 'SERVING' : 'NOT_SERVING';
      for (const name of ['', READINESS, ExternalProcessor.typeName]) health.setStatus(name, s);
    },
  };
}

function serveStream(
  call: ServerDuplexStream<ProcessingRequest, ProcessingResponse>,
  routing: GatewayRouting,
  logger: Logger,
  { requestTimeoutMs, onFault }: ExtProcOptions,
  closed: () => void,
): void {
  const session = new ExtProcSession(routing);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    session.onStreamEnd();
    closed();
  };
  const write = (out: ProcessingResponse[]) => {
    for (const r of out) {
      if (!call.write(r)) {
        call.pause();
        call.once('drain', () => call.resume());
      }
    }
  };
  // A request that stalls (no end of its body, or no headers at all) is answered 408 and its stream ended, so a
  // stalled stream holds neither its buffered body nor its place among the streams.
  const timer = setTimeout(() => {
    const out = session.timeOut(requestTimeoutMs);
    if (out.length === 0) return;
    write(out);
    call.end();
    end();
  }, requestTimeoutMs);
  call.on('data', (req: ProcessingRequest) => {
    let out: ProcessingResponse[];
    try {
      out = session.onRequest(req);
    } catch (err) {
      // A fault of ours: the data plane applies the pool's failureMode (FailOpen or FailClose).
      onFault();
      logger.error('ext_proc stream failed', { error: err instanceof Error ? err.message : String(err) });
      end();
      call.destroy(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (!session.readingRequest) clearTimeout(timer);
    write(out);
  });
  call.on('end', () => {
    end();
    call.end();
  });
  call.on('cancelled', () => end());
  call.on('error', () => end());
}
