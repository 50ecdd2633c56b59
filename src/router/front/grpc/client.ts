import { makeGenericClientConstructor } from '@grpc/grpc-js';
import type {
  ChannelCredentials,
  Client,
  ClientOptions,
  ClientReadableStream,
  Metadata,
  ServiceError,
} from '@grpc/grpc-js';
import type {
  ClassifyRequest,
  ClassifyResponse,
  GenerateRequest,
  GenerateResponse,
} from '../../../gen/modeswitch/v1/router_pb.js';
import { routerServiceDefinition } from './service-definition.js';

/** A typed grpc-js client of RouterService (tests, bench, and Node programs that call the router). */
export interface RouterClient extends Client {
  generate(request: GenerateRequest, metadata?: Metadata): ClientReadableStream<GenerateResponse>;
  classify(
    request: ClassifyRequest,
    metadata: Metadata,
    callback: (err: ServiceError | null, res?: ClassifyResponse) => void,
  ): void;
}

const Ctor = makeGenericClientConstructor(routerServiceDefinition, 'RouterService');

export function routerClient(address: string, creds: ChannelCredentials, options?: ClientOptions): RouterClient {
  return new Ctor(address, creds, options) as unknown as RouterClient;
}
