import { createServer, type Server } from 'node:net';
import { startDemoStack } from '../../src/cli/demo/stack.js';
import { fleetModesOf } from '../../src/model/policy-modes.js';
import { createLogger } from '../../src/observability/logger.js';
import { loadExample } from '../support/policies.js';

/** Holds 127.0.0.1:port, as another program would; undefined when the port is taken already. */
function hold(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A port base whose `offset`th port this test holds. */
async function baseWithHeld(offset: number): Promise<{ base: number; held: Server }> {
  for (let i = 0; i < 50; i += 1) {
    // Below Linux's ephemeral range (32768 and up), so no client socket of another process takes one meanwhile.
    const base = 10_000 + Math.floor(Math.random() * 20_000);
    const held = await hold(base + offset);
    if (held) return { base, held };
  }
  throw new Error('no free port found');
}

describe('demo ports', () => {
  const policy = loadExample();
  const start = (portBase: number) =>
    startDemoStack({
      policy,
      modes: fleetModesOf(policy),
      gpu: 'h100-80gb',
      model: 'llama-3.1-8b-instruct',
      speedup: 5,
      portBase,
      seed: 1,
      logger: createLogger('test', { level: 'error' }),
    });

  it.each([
    [1, "the router's gRPC API"],
    [3, 'the simulated dcgm-exporter'],
    [4, 'the simulated vLLM engine llama-8b-fp16-0'],
  ])('says whose port clashed when port base+%i is taken: %s', async (offset, component) => {
    const { base, held } = await baseWithHeld(offset);
    try {
      await expect(start(base)).rejects.toThrow(
        `${component} cannot listen on 127.0.0.1:${base + offset}: the port is in use (EADDRINUSE)`,
      );
      // What did start was stopped again: the same ports serve a second start once the port is free.
      held.close();
      const stack = await start(base);
      await stack.stop();
    } finally {
      held.close();
    }
  });
});
