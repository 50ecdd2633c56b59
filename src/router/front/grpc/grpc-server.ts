import { toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, service as healthService } from 'grpc-health-check';
import { file_modeswitch_v1_router, RouterService } from '../../../gen/modeswitch/v1/router_pb.js';
import type { ServeContext } from '../../serve/serve-context.js';
import { handleClassify } from './handle-classify.js';
import { handleGenerate } from './handle-generate.js';
import { routerServiceDefinition } from './service-definition.js';

const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** grpc-health-check loads its proto with @grpc/proto-loader, whose message types carry the file descriptors. */
function healthDescriptors(): Buffer[] {
  const check = healthService['Check'] as unknown as { requestType?: { fileDescriptorProtos?: Buffer[] } };
  return check.requestType?.fileDescriptorProtos ?? [];
}

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
  // Reflection reads descriptors the way @grpc/proto-loader lays them out; protobuf-es has the same descriptor.
  const descriptor = Buffer.from(toBinary(FileDescriptorProtoSchema, file_modeswitch_v1_router.proto));
  const reflection = new ReflectionService({
    [RouterService.typeName]: { fileDescriptorProtos: [descriptor] },
    [HEALTH_SERVICE]: { fileDescriptorProtos: healthDescriptors() },
  } as never);
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
