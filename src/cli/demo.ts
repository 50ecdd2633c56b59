import { join } from 'node:path';
import { repoRoot } from '../api/repo-root.js';
import { DEMO_USAGE, parseDemoArgs, type DemoOptions } from './demo/options.js';
import { startDemo } from './demo/start-demo.js';
import { tryItLines } from './demo/instructions.js';
import type { CommandIO } from './io.js';

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export interface DemoDeps {
  /** Resolves when the demo should shut down (Ctrl-C by default). */
  waitForStop?: () => Promise<void>;
}

/** `modeswitch demo` (`npm start`): 0 after a clean shutdown, 2 on bad flags, 1 when the demo cannot run. */
export async function runDemo(argv: string[], io: CommandIO, deps: DemoDeps = {}): Promise<number> {
  let options: DemoOptions | undefined;
  try {
    options = parseDemoArgs(argv, join(repoRoot(), 'deploy', 'examples', 'llama-3.1-8b-h100.yaml'));
  } catch (err) {
    io.err(`modeswitch demo: ${(err as Error).message}\n\n${DEMO_USAGE}`);
    return 2;
  }
  if (!options) {
    io.out(DEMO_USAGE);
    return 0;
  }
  const run = await startDemo(options, { out: io.out });
  for (const line of ['', ...run.lines, '']) io.out(line);
  if (options.serve) {
    for (const line of tryItLines(run.stack.ports, run.stack.servedModel)) io.out(line);
    await (deps.waitForStop ?? untilSignal)();
    io.out('shutting down…');
  }
  await run.stack.stop();
  return 0;
}
