import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { ServiceDefinition } from '@grpc/grpc-js';
import {
  ClassifyRequestSchema,
  ClassifyResponseSchema,
  GenerateRequestSchema,
  GenerateResponseSchema,
  RouterService,
} from '../../../gen/modeswitch/v1/router_pb.js';

// grpc-js writes whatever the serializer returns as a Buffer; a bare Uint8Array fails the call with INTERNAL.
export function codec<D extends DescMessage>(schema: D) {
  return {
    serialize: (m: MessageShape<D>) => Buffer.from(toBinary(schema, create(schema, m as never))),
    deserialize: (b: Buffer) => fromBinary(schema, b),
  };
}

const generateIn = codec(GenerateRequestSchema);
const generateOut = codec(GenerateResponseSchema);
const classifyIn = codec(ClassifyRequestSchema);
const classifyOut = codec(ClassifyResponseSchema);

/** modeswitch.v1.RouterService for grpc-js, with protobuf-es messages on both sides (server and test clients). */
export const routerServiceDefinition = {
  generate: {
    path: `/${RouterService.typeName}/Generate`,
    requestStream: false,
    responseStream: true,
    requestSerialize: generateIn.serialize,
    requestDeserialize: generateIn.deserialize,
    responseSerialize: generateOut.serialize,
    responseDeserialize: generateOut.deserialize,
  },
  classify: {
    path: `/${RouterService.typeName}/Classify`,
    requestStream: false,
    responseStream: false,
    requestSerialize: classifyIn.serialize,
    requestDeserialize: classifyIn.deserialize,
    responseSerialize: classifyOut.serialize,
    responseDeserialize: classifyOut.deserialize,
  },
} satisfies ServiceDefinition;
