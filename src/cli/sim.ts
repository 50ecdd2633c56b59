import { parseArgs } from 'node:util';
import { startDcgmExporter, type DcgmExporter } from '../sim/dcgm/exporter.js';
import { gpuSourceFromEngine } from '../sim/dcgm/gpu-source.js';
import { startSimEngine, type SimEngine, type SimLoraModule } from '../sim/engine/server.js';
import { resolveMode } from '../model/mode-presets.js';
import type { ModeFlags } from '../model/mode-profile.js';
import { isRequestType, type ModeProfile } from '../model/types.js';
import { runWhatIf, formatWhatIf, whatIfHeading } from '../sim/workload/what-if.js';
import { processIO, type CommandIO } from './io.js';

const USAGE = `Usage: modeswitch sim <command> [options]

Commands:
  engine    Simulated vLLM OpenAI server (+ optional dcgm exporter with --dcgm-port)
  dcgm      Simulated dcgm-exporter with its engines: --engine MODE[:PORT[:POD]] (repeatable)
  whatif    Latency, throughput, J/token and quality change per mode for a closed-loop workload

Engine options:
  --mode NAME                 preset (fp16, bf16, fp8, int8, int4-awq, int4-gptq, spec-ngram, spec-eagle, fp16-prefix, ...)
  --dtype, --quantization, --weights, --kv-cache-dtype, --enable-prefix-caching,
  --speculative-method, --num-speculative-tokens   vLLM flags, layered over --mode
  --gpu ID (h100-80gb)  --model ID (llama-3.1-8b-instruct)  --served-model-name NAME
  --host (127.0.0.1)  --port (8000)  --time-scale (1)  --seed (0)
  --max-num-seqs (256)  --max-num-batched-tokens (8192)  --tensor-parallel-size (1)
  --pod NAME  --namespace NS  --dcgm-port PORT  --hostname NAME
  --lora-modules NAME=SOURCE (repeatable)  --max-lora-rank (16)   LoRA adapters served beside the model

What-if options:
  --modes fp16,fp8,int4-awq  --concurrency 1,16,64  --prompt 512  --output 256  --requests 200  --type chat
  --temperature (0)  --gpu (h100-80gb)  --model  --tensor-parallel-size (1)
`;

/** The GPU and model every sim command runs when none is named (the help text says so). */
const DEFAULT_GPU = 'h100-80gb';
const DEFAULT_MODEL = 'llama-3.1-8b-instruct';

const OPTIONS = {
  mode: { type: 'string' },
  dtype: { type: 'string' },
  quantization: { type: 'string' },
  weights: { type: 'string' },
  'kv-cache-dtype': { type: 'string' },
  'enable-prefix-caching': { type: 'boolean' },
  'speculative-method': { type: 'string' },
  'num-speculative-tokens': { type: 'string' },
  gpu: { type: 'string' },
  model: { type: 'string' },
  'served-model-name': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'time-scale': { type: 'string' },
  seed: { type: 'string' },
  'max-num-seqs': { type: 'string' },
  'max-num-batched-tokens': { type: 'string' },
  'tensor-parallel-size': { type: 'string' },
  pod: { type: 'string' },
  namespace: { type: 'string' },
  'dcgm-port': { type: 'string' },
  hostname: { type: 'string' },
  'lora-modules': { type: 'string', multiple: true },
  'max-lora-rank': { type: 'string' },
  engine: { type: 'string', multiple: true },
  modes: { type: 'string' },
  concurrency: { type: 'string' },
  prompt: { type: 'string' },
  output: { type: 'string' },
  requests: { type: 'string' },
  type: { type: 'string' },
  temperature: { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function num(values: Values, key: keyof Values, fallback?: number): number | undefined {
  const raw = values[key];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`--${String(key)} must be a number, got '${String(raw)}'`);
  return n;
}

function modeOf(values: Values): ModeProfile {
  const overrides: ModeFlags = {};
  if (values.dtype) overrides.dtype = values.dtype;
  if (values.quantization) overrides.quantization = values.quantization;
  if (values.weights) overrides.weights = values.weights;
  if (values['kv-cache-dtype']) overrides.kvCacheDtype = values['kv-cache-dtype'];
  if (values['enable-prefix-caching']) overrides.prefixCaching = true;
  if (values['speculative-method']) {
    const k = num(values, 'num-speculative-tokens');
    overrides.speculative = {
      method: values['speculative-method'],
      ...(k !== undefined ? { numSpeculativeTokens: k } : {}),
    };
  }
  return resolveMode(values.mode ?? (Object.keys(overrides).length > 0 ? undefined : 'fp16'), overrides);
}

/** vLLM's `--lora-modules name=source`; the rank is not on the command line (vLLM reads it from the adapter's config), so it is taken as --max-lora-rank. */
function loraModulesOf(values: Values, maxLoraRank: number): SimLoraModule[] {
  return (values['lora-modules'] ?? []).map((entry) => {
    const eq = entry.indexOf('=');
    if (eq < 1 || eq === entry.length - 1) throw new Error(`--lora-modules takes NAME=SOURCE, got '${entry}'`);
    return { name: entry.slice(0, eq), source: entry.slice(eq + 1), rank: maxLoraRank };
  });
}

function engineOptions(values: Values, mode: ModeProfile, port: number, podName?: string) {
  const maxNumSeqs = num(values, 'max-num-seqs');
  const maxLoraRank = num(values, 'max-lora-rank', 16)!;
  const loraModules = loraModulesOf(values, maxLoraRank);
  const maxBatchedTokens = num(values, 'max-num-batched-tokens');
  return {
    mode,
    port,
    host: values.host ?? '127.0.0.1',
    gpu: values.gpu ?? DEFAULT_GPU,
    model: values.model ?? DEFAULT_MODEL,
    timeScale: num(values, 'time-scale', 1)!,
    seed: num(values, 'seed', 0)!,
    tensorParallel: num(values, 'tensor-parallel-size', 1)!,
    ...(values['served-model-name'] ? { servedModelName: values['served-model-name'] } : {}),
    ...(maxNumSeqs !== undefined ? { maxNumSeqs } : {}),
    ...(maxBatchedTokens !== undefined ? { maxBatchedTokens } : {}),
    ...(loraModules.length > 0 ? { loraModules, maxLoraRank } : {}),
    ...(podName ? { podName, namespace: values.namespace ?? 'default' } : {}),
  };
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function serveUntilSignal(
  io: CommandIO,
  engines: SimEngine[],
  exporter: DcgmExporter | undefined,
): Promise<number> {
  for (const e of engines) io.out(`engine ${e.core.mode.name} on ${e.core.gpu.id}: ${e.url}`);
  if (exporter) io.out(`dcgm-exporter: ${exporter.url}/metrics`);
  await waitForSignal();
  await exporter?.close();
  await Promise.all(engines.map((e) => e.close()));
  return 0;
}

async function engineCommand(io: CommandIO, values: Values): Promise<number> {
  const engine = await startSimEngine(engineOptions(values, modeOf(values), num(values, 'port', 8000)!, values.pod));
  const dcgmPort = num(values, 'dcgm-port');
  const exporter =
    dcgmPort === undefined
      ? undefined
      : await startDcgmExporter({
          sources: [gpuSourceFromEngine(engine)],
          port: dcgmPort,
          host: values.host ?? '127.0.0.1',
          ...(values.hostname ? { hostname: values.hostname } : {}),
        });
  return serveUntilSignal(io, [engine], exporter);
}

async function dcgmCommand(io: CommandIO, values: Values): Promise<number> {
  const specs = values.engine ?? [];
  if (specs.length === 0) throw new Error('sim dcgm needs at least one --engine MODE[:PORT[:POD]]');
  const engines: SimEngine[] = [];
  for (const [i, spec] of specs.entries()) {
    const [mode = 'fp16', port = String(8001 + i), pod = `sim-${mode}-${i}`] = spec.split(':');
    engines.push(await startSimEngine(engineOptions(values, resolveMode(mode), Number(port), pod)));
  }
  const exporter = await startDcgmExporter({
    sources: engines.map((e) => gpuSourceFromEngine(e)),
    port: num(values, 'port', 9400)!,
    host: values.host ?? '127.0.0.1',
    ...(values.hostname ? { hostname: values.hostname } : {}),
  });
  return serveUntilSignal(io, engines, exporter);
}

function whatIfCommand(io: CommandIO, values: Values): number {
  const type = values.type ?? 'chat';
  if (!isRequestType(type))
    throw new Error(`--type must be one of chat, code, math, summarise, extract, reasoning; got '${type}'`);
  const temperature = num(values, 'temperature', 0)!;
  if (temperature < 0 || temperature > 2) throw new Error(`--temperature must be between 0 and 2, got ${temperature}`);
  const tensorParallel = num(values, 'tensor-parallel-size', 1)!;
  if (!Number.isInteger(tensorParallel) || tensorParallel < 1)
    throw new Error(`--tensor-parallel-size must be a positive integer, got ${tensorParallel}`);
  const options = {
    gpu: values.gpu ?? DEFAULT_GPU,
    model: values.model ?? DEFAULT_MODEL,
    modes: (values.modes ?? 'fp16,fp8,int4-awq,spec-eagle').split(','),
    concurrency: (values.concurrency ?? '1,16,64').split(',').map(Number),
    promptTokens: num(values, 'prompt', 512)!,
    outputTokens: num(values, 'output', 256)!,
    requests: num(values, 'requests', 200)!,
    requestType: type,
    temperature,
    tensorParallel,
    seed: num(values, 'seed', 0)!,
  };
  const rows = runWhatIf(options);
  io.out(whatIfHeading(options));
  io.out(formatWhatIf(rows).trimEnd());
  return 0;
}

/** `modeswitch sim ...`: returns the process exit code. */
export async function runSim(argv: string[], io: CommandIO = processIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const [command] = parsed.positionals;
  if (parsed.values.help || !command) {
    io.out(USAGE);
    return command || parsed.values.help ? 0 : 2;
  }
  try {
    if (command === 'engine') return await engineCommand(io, parsed.values);
    if (command === 'dcgm') return await dcgmCommand(io, parsed.values);
    if (command === 'whatif') return whatIfCommand(io, parsed.values);
    io.err(`unknown sim command '${command}'\n${USAGE}`);
    return 2;
  } catch (err) {
    io.err(`modeswitch sim ${command}: ${(err as Error).message}`);
    return 1;
  }
}
