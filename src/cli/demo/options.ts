import { parseArgs } from 'node:util';
import type { TraceName } from '../../sim/workload/trace.js';

export interface DemoOptions {
  /** Seconds of trace to replay (trace time). */
  durationSeconds: number;
  /** Requests per second (trace time); undefined keeps the trace's own rate. */
  rate?: number;
  gpu: string;
  /** Simulated seconds per wall second. */
  speedup: number;
  /** Router HTTP port; gRPC, metrics, dcgm-exporter and the engines take the ports after it. 0 picks free ports. */
  portBase: number;
  trace: TraceName;
  seed: number;
  policyFile: string;
  /** Exit after the summary instead of serving until Ctrl-C. */
  serve: boolean;
}

export const DEMO_USAGE = `Usage: modeswitch demo [flags]

Runs the default example policy on this machine with no GPU and no cluster: simulated vLLM engines for every mode,
a simulated dcgm-exporter and the router, all on 127.0.0.1. Replays a slice of the Azure conversation trace through
the router, prints a summary against always-FP16, then keeps serving until Ctrl-C.

  --duration SECONDS   seconds of trace to replay (default 60)
  --rate N             requests per second of trace time (default: the trace's own, about 5.4/s)
  --gpu ID             simulated GPU: h100-80gb (default), h200, a100-80gb, a100-40gb, l40s
  --speedup N          simulated seconds per wall second (default 5; higher adds timer delays)
  --port-base N        router HTTP port; gRPC, metrics, dcgm-exporter and engines follow (default 8080; 0 = any free)
  --trace NAME         conv (default) or code
  --seed N             workload seed (default 1)
  --policy PATH        policy file (default deploy/examples/llama-3.1-8b-h100.yaml)
  --no-serve           exit after the summary
  -h, --help           this text`;

function positive(text: string | undefined, flag: string, fallback: number, allowZero = false): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new Error(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${text}"`);
  return n;
}

/** Parses demo flags; returns undefined for --help. Throws with a message naming the bad flag. */
export function parseDemoArgs(argv: string[], defaultPolicy: string): DemoOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      rate: { type: 'string' },
      gpu: { type: 'string' },
      speedup: { type: 'string' },
      'port-base': { type: 'string' },
      trace: { type: 'string' },
      seed: { type: 'string' },
      policy: { type: 'string' },
      'no-serve': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const trace = values.trace ?? 'conv';
  if (trace !== 'conv' && trace !== 'code') throw new Error(`--trace must be conv or code, got "${trace}"`);
  const portBase = positive(values['port-base'], '--port-base', 8080, true);
  if (!Number.isInteger(portBase) || portBase > 65_000)
    throw new Error(`--port-base must be a port number up to 65000, got "${values['port-base']}"`);
  const options: DemoOptions = {
    durationSeconds: positive(values.duration, '--duration', 60),
    gpu: values.gpu ?? 'h100-80gb',
    speedup: positive(values.speedup, '--speedup', 5),
    portBase,
    trace,
    seed: positive(values.seed, '--seed', 1, true),
    policyFile: values.policy ?? defaultPolicy,
    serve: !values['no-serve'],
  };
  if (values.rate !== undefined) options.rate = positive(values.rate, '--rate', 0);
  return options;
}
