import { toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { GenFile } from '@bufbuild/protobuf/codegenv2';
import { file_grpc_health_v1_health, Health } from '../../../gen/grpc/health/v1/health_pb.js';
import { file_grpc_reflection_v1_reflection, ServerReflection } from '../../../gen/grpc/reflection/v1/reflection_pb.js';
import { file_modeswitch_v1_router, RouterService } from '../../../gen/modeswitch/v1/router_pb.js';
import type { ServeContext } from '../../serve/serve-context.js';
import { handleClassify } from './handle-classify.js';
import { handleGenerate } from './handle-generate.js';
import { routerServiceDefinition } from './service-definition.js';

/**
 * What reflection describes: every service this server answers, from the descriptors buf generates. (The ones
 * grpc-health-check's proto-loader builds name Health's map entry wrongly, and grpcurl refuses them: grpcurl#519.)
 */
const REFLECTED: [typeName: string, file: GenFile][] = [
  [RouterService.typeName, file_modeswitch_v1_router],
  [Health.typeName, file_grpc_health_v1_health],
  [ServerReflection.typeName, file_grpc_reflection_v1_reflection],
];

export interface GrpcFront {
  server: Server;
  /** Serving status of '' (the whole server) and of the RouterService; follows readiness. */
  setServing: (serving: boolean) => void;
}

/** The gRPC server: RouterService, grpc.health.v1 and server reflection. Oversized messages get RESOURCE_EXHAUSTED. */
export function createGrpcFront(ctx: ServeContext, maxRequestBytes: number): GrpcFront {
  const server = new Server({ 'grpc.max_receive_message_length': maxRequestBytes });
  server.addService(routerServiceDefinition, { generate: handleGenerate(ctx), classify: handleClassify(ctx) });
  const health = new HealthImplementation({ '': 'NOT_SERVING', [RouterService.typeName]: 'NOT_SERVING' });
  health.addToServer(server);
  // Reflection reads descriptors the way @grpc/proto-loader lays them out: per service, its file's encoded descriptor.
  const reflection = new ReflectionService(
    Object.fromEntries(
      REFLECTED.map(([name, file]) => [
        name,
        { fileDescriptorProtos: [Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto))] },
      ]),
    ) as never,
  );
  reflection.addToServer(server);
  return {
    server,
    setServing: (serving) => {
      const s = serving ? 'SERVING' : 'NOT_SERVING';
      health.setStatus('', s);
      health.setStatus(RouterService.typeName, s);
    },
  };
}
