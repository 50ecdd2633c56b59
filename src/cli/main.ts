#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processIO, type CommandIO } from './io.js';

type Command = (argv: string[], io: CommandIO) => Promise<number>;

/** Subcommands load lazily, so `modeswitch validate` does not pay for the router's or the simulator's imports. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  render: {
    summary: 'print the Kubernetes objects a policy becomes',
    load: async () => (await import('./render.js')).runRender,
  },
  validate: {
    summary: 'check policies and report every problem with its field path',
    load: async () => (await import('./validate.js')).runValidate,
  },
  operator: {
    summary: 'run the operator (reconciles InferenceModePolicies)',
    load: async () => (await import('./operator.js')).runOperator,
  },
  router: {
    summary: 'run a router (gRPC + OpenAI HTTP) for one policy',
    load: async () => (await import('./router.js')).runRouter,
  },
  sim: {
    summary: 'simulated vLLM engines, dcgm-exporter and what-if runs',
    load: async () => (await import('./sim.js')).runSim,
  },
  demo: {
    summary: 'run the example policy locally on simulated GPUs and replay real traffic',
    load: async () => (await import('./demo.js')).runDemo,
  },
};

export const USAGE = [
  'usage: modeswitch <command> [flags]',
  '',
  'commands:',
  ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
].join('\n');

export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  try {
    return await (
      await command.load()
    )(rest, io);
  } catch (err) {
    io.err(`modeswitch ${name}: ${(err as Error).message}`);
    return 1;
  }
}

// Run only as the program, not when a test imports main(); through the npm bin symlink too.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
