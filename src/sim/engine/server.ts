import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveMode } from '../../model/mode-presets.js';
import type { ModeProfile } from '../../model/types.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { ScaledClock, systemWallClock, type WallClock } from './clock.js';
import { createEngineCore, type EngineCore } from './core.js';
import { LiveDriver } from './live-driver.js';
import { OpenAiError } from './openai-errors.js';
import { handleGeneration, writeJson, type GenerationContext } from './request-handler.js';
import { createVllmMetrics, type VllmMetrics } from './vllm-metrics.js';

export type EngineFault = 'down' | 'slow' | null;

/** One `--lora-modules` entry: the name requests use, where its weights are, and its rank. */
export interface SimLoraModule {
  name: string;
  source: string;
  rank: number;
}

/** vLLM's default `--max-lora-rank`. */
const DEFAULT_MAX_LORA_RANK = 16;

function checkLoraModules(modules: readonly SimLoraModule[], servedModel: string, maxRank: number): void {
  const seen = new Set<string>();
  for (const m of modules) {
    if (m.name === servedModel || seen.has(m.name))
      throw new Error(`loraModules: adapter name '${m.name}' is used twice (or is the served model's name)`);
    if (m.rank > maxRank)
      throw new Error(`loraModules: adapter '${m.name}' has rank ${m.rank}, above maxLoraRank ${maxRank}`);
    seen.add(m.name);
  }
}

export interface SimEngineOptions {
  /** Mode preset name (fp16, fp8, int4-awq, spec-ngram, ...) or a profile from profileFromModeFlags. */
  mode: string | ModeProfile;
  gpu?: string;
  model?: string;
  /** Served model name clients must ask for; defaults to the catalogue's Hugging Face name. */
  servedModelName?: string;
  /**
   * LoRA adapters served beside the base model, as vLLM's `--enable-lora --lora-modules name=source`: requests name
   * one as `model`, /v1/models lists them, and batches holding adapter sequences pay the LoRA kernels (model/lora.ts).
   */
  loraModules?: readonly SimLoraModule[];
  /** vLLM's `--max-lora-rank` (default 16): an adapter of higher rank fails the start, as vLLM fails to load it. */
  maxLoraRank?: number;
  host?: string;
  port?: number;
  /** Simulated seconds per wall second (1 = real time). */
  timeScale?: number;
  seed?: number;
  maxNumSeqs?: number;
  maxBatchedTokens?: number;
  tensorParallel?: number;
  /** Kubernetes identity the dcgm exporter reports for this engine's GPUs. */
  podName?: string;
  namespace?: string;
  /** Wall delay added to every response while the 'slow' fault is on. */
  slowDelayMs?: number;
  wallClock?: WallClock;
  logger?: Logger;
}

/** Per-engine GPU readings for the dcgm exporter, brought up to the current simulated time. */
export interface GpuTelemetry {
  timeSeconds: number;
  /** Whole replica (all its GPUs), joules. */
  energyJoules: number;
  /** The part of energyJoules drawn with no iteration running, joules. */
  idleEnergyJoules: number;
  busySeconds: number;
  powerWattsPerGpu: number;
}

export interface SimEngine {
  readonly url: string;
  readonly port: number;
  readonly core: EngineCore;
  readonly servedModelName: string;
  readonly podName: string | undefined;
  readonly namespace: string | undefined;
  telemetry(): GpuTelemetry;
  /** How far behind simulated time event delivery ran (simulated seconds); near zero when the process keeps up. */
  lateness(): { meanSeconds: number; maxSeconds: number; timers: number };
  setFault(fault: EngineFault): void;
  /** Changes how fast simulated time runs from now on (simulated time stays continuous). */
  setTimeScale(timeScale: number): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) reject(new OpenAiError(400, 'request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OpenAiError(400, `Invalid JSON body: ${(err as Error).message}`);
  }
}

/** vLLM's model list: the base model, then each LoRA adapter with its weights as root and the base as parent. */
function modelsBody(ctx: GenerationContext, root: string, created: number, loras: readonly SimLoraModule[]): object {
  const card = (id: string, cardRoot: string, parent: string | null, maxModelLen: number | null) => ({
    id,
    object: 'model',
    created,
    owned_by: 'vllm',
    root: cardRoot,
    parent,
    max_model_len: maxModelLen,
    permission: [
      {
        id: `modelperm-${id.length.toString(16).padStart(32, '0')}`,
        object: 'model_permission',
        created,
        allow_create_engine: false,
        allow_sampling: true,
        allow_logprobs: true,
        allow_search_indices: false,
        allow_view: true,
        allow_fine_tuning: false,
        organization: '*',
        group: null,
        is_blocking: false,
      },
    ],
  });
  return {
    object: 'list',
    data: [
      card(ctx.servedModel, root, null, ctx.maxModelLen),
      ...loras.map((l) => card(l.name, l.source, ctx.servedModel, null)),
    ],
  };
}

/** Starts a simulated vLLM OpenAI-compatible server backed by a discrete-event engine core. */
export async function startSimEngine(options: SimEngineOptions): Promise<SimEngine> {
  const mode = typeof options.mode === 'string' ? resolveMode(options.mode) : options.mode;
  const wall = options.wallClock ?? systemWallClock;
  const logger = options.logger ?? createLogger('sim-engine');
  // The core is built before its metrics (they read it), so steps reach the metrics through this late-bound slot.
  const stepObserver: { metrics?: VllmMetrics } = {};
  const core = createEngineCore({
    gpu: options.gpu ?? 'h100-80gb',
    model: options.model ?? 'llama-3.1-8b-instruct',
    mode,
    seed: options.seed ?? 0,
    tensorParallel: options.tensorParallel ?? 1,
    ...(options.maxNumSeqs !== undefined ? { maxNumSeqs: options.maxNumSeqs } : {}),
    ...(options.maxBatchedTokens !== undefined ? { maxBatchedTokens: options.maxBatchedTokens } : {}),
    onStep: (step) => stepObserver.metrics?.observeStep(step),
  });
  const clock = new ScaledClock(wall, options.timeScale ?? 1);
  const driver = new LiveDriver(core, clock, wall);
  const servedModel = options.servedModelName ?? core.model.hfName;
  const loras = options.loraModules ?? [];
  checkLoraModules(loras, servedModel, options.maxLoraRank ?? DEFAULT_MAX_LORA_RANK);
  const maxModelLen = Math.min(core.model.maxModelLen, core.memory.kvCapacityTokens);
  const vllmMetrics = createVllmMetrics(core, servedModel, maxModelLen, Date.now() / 1000);
  stepObserver.metrics = vllmMetrics;
  let requestSeed = options.seed ?? 0;
  const ctx: GenerationContext = {
    core,
    driver,
    metrics: vllmMetrics,
    servedModel,
    adapters: new Set(loras.map((l) => l.name)),
    maxModelLen,
    nextRequestSeed: () => (requestSeed = (Math.imul(requestSeed ^ 0x9e3779b9, 2654435761) + 1) >>> 0),
    nowEpochSeconds: () => Math.floor(Date.now() / 1000),
  };
  const startedEpoch = ctx.nowEpochSeconds();
  let fault: EngineFault = null;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (fault === 'slow') await new Promise<void>((r) => wall.setTimer(r, options.slowDelayMs ?? 2000));
    if (fault === 'down') throw new OpenAiError(503, 'engine is unavailable (simulated fault)');
    const get = req.method === 'GET';
    const post = req.method === 'POST';
    if (path === '/health' && get) {
      res.writeHead(200, { 'content-length': 0 }).end();
    } else if (path === '/metrics' && get) {
      driver.sync();
      const text = await vllmMetrics.registry.metrics();
      res.writeHead(200, { 'content-type': vllmMetrics.registry.contentType }).end(text);
    } else if (path === '/v1/models' && get) {
      writeJson(res, 200, modelsBody(ctx, core.model.hfName, startedEpoch, loras));
    } else if (path === '/version' && get) {
      writeJson(res, 200, { version: '0.11.1' });
    } else if ((path === '/v1/completions' || path === '/v1/chat/completions') && post) {
      const body = parseJson(await readBody(req));
      handleGeneration(ctx, path === '/v1/completions' ? 'completion' : 'chat', body, req, res);
    } else if (
      ['/health', '/metrics', '/v1/models', '/version', '/v1/completions', '/v1/chat/completions'].includes(path ?? '')
    ) {
      writeJson(res, 405, { detail: 'Method Not Allowed' });
    } else {
      writeJson(res, 404, { detail: 'Not Found' });
    }
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const error = err instanceof OpenAiError ? err : new OpenAiError(500, (err as Error).message);
      if (error.status === 500) logger.error('request failed', { error: error.message });
      if (!res.headersSent) writeJson(res, error.status, error.body());
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  logger.info('simulated vLLM engine listening', {
    host,
    port,
    model: servedModel,
    loraModules: loras.map((l) => l.name),
    mode: mode.name,
    gpu: core.gpu.id,
    timeScale: clock.timeScale,
  });

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    core,
    servedModelName: servedModel,
    podName: options.podName,
    namespace: options.namespace,
    telemetry() {
      driver.sync();
      return {
        timeSeconds: core.now(),
        energyJoules: core.energyJoules(),
        idleEnergyJoules: core.idleEnergyJoules(),
        busySeconds: core.busySeconds(),
        powerWattsPerGpu: core.powerWatts(),
      };
    },
    lateness: () => driver.lateness(),
    setFault(next) {
      fault = next;
    },
    setTimeScale(next) {
      driver.sync();
      clock.setTimeScale(next);
      driver.reschedule();
    },
    async close() {
      driver.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
