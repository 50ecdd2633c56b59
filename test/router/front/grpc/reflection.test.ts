import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import type { Client, ClientDuplexStream } from '@grpc/grpc-js';
import { startHarness, testPolicy } from '../../support/harness.js';
import type { Harness } from '../../support/harness.js';

// grpc.reflection.v1 by hand (no proto loading in the test): a request is one string field, a response is kept raw.
const ListServices = Buffer.from([0x3a, 0x00]); // field 7 list_services = ""
const fileContainingSymbol = (symbol: string) =>
  Buffer.concat([Buffer.from([0x22, symbol.length]), Buffer.from(symbol)]); // field 4
const Reflection = makeGenericClientConstructor(
  {
    info: {
      path: '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      requestStream: true,
      responseStream: true,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  },
  'ServerReflection',
);

async function ask(client: Client, request: Buffer): Promise<string> {
  const call = (client as unknown as { info: () => ClientDuplexStream<Buffer, Buffer> }).info();
  const answer = new Promise<string>((resolve, reject) => {
    call.once('data', (b: Buffer) => resolve(b.toString('latin1')));
    call.once('error', reject);
  });
  call.write(request);
  call.end();
  return answer;
}

describe('gRPC server reflection', () => {
  let h: Harness;
  let client: Client;

  beforeAll(async () => {
    h = await startHarness(testPolicy({ defaultMode: 'fp8' }, ['fp8']), { fp8: { preset: 'fp8' } });
    client = new Reflection(h.grpcTarget, credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await h.close();
  });

  it('lists the router and the health service', async () => {
    const listed = await ask(client, ListServices);
    expect(listed).toContain('modeswitch.v1.RouterService');
    expect(listed).toContain('grpc.health.v1.Health');
  });

  it('serves the health service descriptor', async () => {
    const file = await ask(client, fileContainingSymbol('grpc.health.v1.Health'));
    expect(file).toContain('HealthCheckRequest');
    expect(file).not.toContain('Symbol not found');
  });
});
