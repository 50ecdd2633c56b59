import type {
  CapacitySpec,
  DcgmExporterRef,
  EngineSpec,
  GuardsSpec,
  InferenceModePolicy,
  InferencePoolSpec,
  ModeSpec,
  NetworkPolicySpec,
  ObjectiveSpec,
  PodSettings,
  RouterSpec,
  Toleration,
} from './types.js';
import { ROUTER_DEFAULTS } from './router-config.js';
import { PINNED_VLLM } from './vllm-cli.js';

/** The vLLM release of the default image: the one whose argument table ships in src/gen/vllm. */
export const DEFAULT_VLLM_VERSION = PINNED_VLLM.vllm;
/** vLLM image every mode runs unless the policy names another; pinned so a rollout is never a surprise. */
export const DEFAULT_ENGINE_IMAGE = `vllm/vllm-openai:v${DEFAULT_VLLM_VERSION}`;
/** This release of ModeSwitch: package.json's version and the chart's appVersion (test/packaging checks all three). */
export const MODESWITCH_VERSION = '0.1.0';
/**
 * The image a ModeSwitch release publishes (operator and router share it). The operator renders its own image
 * instead when it knows it (the chart's MODESWITCH_IMAGE), so one chart value moves both.
 */
export const DEFAULT_ROUTER_IMAGE = `ghcr.io/modeswitch/modeswitch:${MODESWITCH_VERSION}`;
export const DEFAULT_GPU_RESOURCE = 'nvidia.com/gpu';
export const ENGINE_PORT = 8000;
/** Keys read from the engine Secrets when a policy names none. */
export const DEFAULT_HF_TOKEN_SECRET_KEY = 'token';
export const DEFAULT_API_KEY_SECRET_KEY = 'api-key';

/** The NVIDIA GPU Operator taints GPU nodes this way; without the toleration no mode pod schedules there. */
export const DEFAULT_GPU_TOLERATIONS: Toleration[] = [
  { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
];

export const DEFAULT_GUARDS: Required<Omit<GuardsSpec, 'maxGpuPowerWatts'>> & Pick<GuardsSpec, 'maxGpuPowerWatts'> = {
  maxQueueDepth: 32,
  maxKvCacheUsage: 0.95,
  telemetryMaxAgeSeconds: 5,
};

/** dcgm-exporter as the NVIDIA GPU Operator installs it. */
export const DEFAULT_DCGM_EXPORTER: Required<Omit<DcgmExporterRef, 'url'>> = {
  namespace: 'gpu-operator',
  service: 'nvidia-dcgm-exporter',
  port: 9400,
  path: '/metrics',
};

export const DEFAULT_ROUTER: Required<Omit<RouterSpec, 'tls' | 'resources' | 'clientAuth' | 'requestLimits'>> = {
  replicas: 2,
  image: DEFAULT_ROUTER_IMAGE,
  grpcPort: ROUTER_DEFAULTS.listen.grpcPort,
  httpPort: ROUTER_DEFAULTS.listen.httpPort,
  metricsPort: ROUTER_DEFAULTS.listen.metricsPort,
  logLevel: 'info',
};

/** The upstream CRD's default failure mode; the router's default Endpoint Picker port. */
export const DEFAULT_INFERENCE_POOL: Required<Pick<InferencePoolSpec, 'failureMode' | 'extProcPort'>> = {
  failureMode: 'FailClose',
  extProcPort: ROUTER_DEFAULTS.extProcPort,
};

/**
 * The SLO a policy keeps unless it states one: MLPerf Inference's server scenario for Llama 3.1 8B (p99 TTFT 2 s,
 * p99 time per output token 100 ms), here as p95 TTFT and mean inter-token time; no accuracy spent unless stated.
 */
export const DEFAULT_OBJECTIVE = { ttftP95Seconds: 2, interTokenMeanSeconds: 0.1, qualityBudgetPoints: 0 } as const;

/** How fast the planner gives GPUs back: a replica after 5 quiet minutes, a mode's last after 15 idle ones. */
export const DEFAULT_CAPACITY: Required<
  Pick<CapacitySpec, 'scaleDownDelaySeconds' | 'idleToZeroSeconds' | 'actuation'>
> = {
  scaleDownDelaySeconds: 300,
  idleToZeroSeconds: 900,
  actuation: 'Operator',
};

export interface ResolvedObjective {
  ttftP95Seconds: number;
  interToken: { statistic: 'mean' | 'p95'; seconds: number };
  qualityBudgetPoints: number;
}

export type ResolvedCapacity = typeof DEFAULT_CAPACITY & Pick<CapacitySpec, 'maxGpus' | 'powerBudgetWatts'>;

/** A mode with the engine defaults merged in: what its pods actually run. */
export interface ResolvedMode extends Omit<ModeSpec, keyof PodSettings | 'replicas' | 'weights' | 'prefixCaching'> {
  /** Fixed modes: their size. Autoscaled ones: the size they start at (minReplicas). */
  replicas: number;
  /** Set when the capacity planner sizes this mode (spec.capacity, and no fixed replicas). */
  autoscale?: { minReplicas: number; maxReplicas: number };
  weights: string;
  prefixCaching: boolean;
  image: string;
  /** The vLLM release the image runs; undefined when another image does not say. */
  vllmVersion?: string;
  gpus: number;
  gpuResource: string;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  runtimeClassName?: string;
  priorityClassName?: string;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  maxModelLen?: number;
  gpuMemoryUtilization?: number;
  tensorParallelSize?: number;
  extraArgs: string[];
  env: NonNullable<PodSettings['env']>;
}

export interface ResolvedPolicy {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  model: string;
  engine: EngineSpec & {
    shmSize: string;
    startupTimeoutSeconds: number;
    imagePullPolicy: NonNullable<EngineSpec['imagePullPolicy']>;
  };
  modes: ResolvedMode[];
  routing: {
    defaultMode: string;
    rules: NonNullable<InferenceModePolicy['spec']['routing']['rules']>;
    guards: GuardsSpec & typeof DEFAULT_GUARDS;
    fallback: string[];
    firstByteTimeoutSeconds?: number;
    generationTimeoutSeconds?: number;
    streamIdleTimeoutSeconds?: number;
    clientHints: NonNullable<InferenceModePolicy['spec']['routing']['clientHints']>;
    strategy: NonNullable<InferenceModePolicy['spec']['routing']['strategy']>;
  };
  objective: ResolvedObjective;
  /** Undefined unless the policy sets spec.capacity. */
  capacity?: ResolvedCapacity;
  telemetry: { dcgmExporter: DcgmExporterRef & typeof DEFAULT_DCGM_EXPORTER; intervalMs: number };
  router: typeof DEFAULT_ROUTER & Pick<RouterSpec, 'tls' | 'resources' | 'clientAuth' | 'requestLimits'>;
  /** Undefined unless the policy enables the InferencePool. */
  inferencePool?: typeof DEFAULT_INFERENCE_POOL & Pick<InferencePoolSpec, 'gateway'>;
  /** Undefined unless the policy enables its NetworkPolicies. */
  networkPolicy?: Omit<NetworkPolicySpec, 'enabled'>;
}

/** Parses a Kubernetes-style short duration (`500ms`, `1s`, `2m`) into milliseconds. */
export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) throw new Error(`invalid duration "${text}": use a number followed by ms, s or m`);
  const value = Number(match[1]);
  const unit = match[2];
  return unit === 'ms' ? value : unit === 's' ? value * 1000 : value * 60_000;
}

/** A mode's image, and the vLLM release it runs: stated, else the pinned one when the image is the default. */
export function engineImageOf(mode: ModeSpec, engine: EngineSpec): { image: string; vllmVersion?: string } {
  const image = mode.image ?? engine.image ?? DEFAULT_ENGINE_IMAGE;
  // A mode naming its own image does not inherit the engine's statement about another image.
  const stated = mode.vllmVersion ?? (mode.image === undefined ? engine.vllmVersion : undefined);
  const vllmVersion = stated ?? (image === DEFAULT_ENGINE_IMAGE ? DEFAULT_VLLM_VERSION : undefined);
  return vllmVersion === undefined ? { image } : { image, vllmVersion };
}

function resolveMode(
  mode: ModeSpec,
  model: string,
  engine: EngineSpec,
  capacity: CapacitySpec | undefined,
): ResolvedMode {
  const gpus = mode.gpus ?? engine.gpus ?? 1;
  const autoscale =
    capacity && mode.replicas === undefined
      ? { minReplicas: mode.minReplicas ?? 0, maxReplicas: mode.maxReplicas ?? Math.floor(capacity.maxGpus / gpus) }
      : undefined;
  return {
    ...mode,
    replicas: mode.replicas ?? autoscale?.minReplicas ?? 1,
    ...(autoscale ? { autoscale } : {}),
    weights: mode.weights ?? model,
    prefixCaching: mode.prefixCaching ?? false,
    ...engineImageOf(mode, engine),
    gpus,
    gpuResource: mode.gpuResource ?? engine.gpuResource ?? DEFAULT_GPU_RESOURCE,
    nodeSelector: { ...engine.nodeSelector, ...mode.nodeSelector },
    tolerations: mode.tolerations ?? engine.tolerations ?? DEFAULT_GPU_TOLERATIONS,
    runtimeClassName: mode.runtimeClassName ?? engine.runtimeClassName,
    priorityClassName: mode.priorityClassName ?? engine.priorityClassName,
    resources: {
      requests: { ...engine.resources?.requests, ...mode.resources?.requests },
      limits: { ...engine.resources?.limits, ...mode.resources?.limits },
    },
    maxModelLen: mode.maxModelLen ?? engine.maxModelLen,
    gpuMemoryUtilization: mode.gpuMemoryUtilization ?? engine.gpuMemoryUtilization,
    tensorParallelSize: mode.tensorParallelSize ?? engine.tensorParallelSize,
    // Engine-wide args first so a mode's own flag, appearing later, wins in vLLM's argument parser.
    extraArgs: [...(engine.extraArgs ?? []), ...(mode.extraArgs ?? [])],
    env: mergeEnv(engine.env ?? [], mode.env ?? []),
  };
}

function mergeEnv(base: NonNullable<PodSettings['env']>, override: NonNullable<PodSettings['env']>) {
  const byName = new Map(base.map((e) => [e.name, e]));
  for (const e of override) byName.set(e.name, e);
  return [...byName.values()];
}

/**
 * Fills every default; the input must already be valid (see validation.ts). Pure. `routerImage` replaces
 * DEFAULT_ROUTER_IMAGE for a policy that names none: the operator passes its own image.
 */
export function resolvePolicy(policy: InferenceModePolicy, defaults: { routerImage?: string } = {}): ResolvedPolicy {
  const { spec, metadata } = policy;
  const engine = spec.engine ?? {};
  return {
    name: metadata.name,
    namespace: metadata.namespace ?? 'default',
    uid: metadata.uid,
    generation: metadata.generation,
    model: spec.model,
    engine: {
      ...engine,
      shmSize: engine.shmSize ?? '4Gi',
      startupTimeoutSeconds: engine.startupTimeoutSeconds ?? 1800,
      imagePullPolicy: engine.imagePullPolicy ?? 'IfNotPresent',
    },
    modes: spec.modes.map((m) => resolveMode(m, spec.model, engine, spec.capacity)),
    routing: {
      defaultMode: spec.routing.defaultMode,
      rules: spec.routing.rules ?? [],
      guards: { ...DEFAULT_GUARDS, ...spec.routing.guards },
      fallback: spec.routing.fallback ?? [],
      firstByteTimeoutSeconds: spec.routing.firstByteTimeoutSeconds,
      generationTimeoutSeconds: spec.routing.generationTimeoutSeconds,
      streamIdleTimeoutSeconds: spec.routing.streamIdleTimeoutSeconds,
      clientHints: spec.routing.clientHints ?? 'Trust',
      strategy: spec.routing.strategy ?? 'Rules',
    },
    objective: resolveObjective(spec.objective ?? {}),
    ...(spec.capacity ? { capacity: { ...DEFAULT_CAPACITY, ...spec.capacity } } : {}),
    telemetry: {
      dcgmExporter: { ...DEFAULT_DCGM_EXPORTER, ...spec.telemetry?.dcgmExporter },
      intervalMs: parseDurationMs(spec.telemetry?.interval ?? '1s'),
    },
    router: { ...DEFAULT_ROUTER, image: defaults.routerImage ?? DEFAULT_ROUTER.image, ...spec.router },
    inferencePool: spec.inferencePool?.enabled ? resolveInferencePool(spec.inferencePool) : undefined,
    ...(spec.networkPolicy?.enabled ? { networkPolicy: withoutEnabled(spec.networkPolicy) } : {}),
  };
}

function withoutEnabled({ enabled: _enabled, ...rest }: NetworkPolicySpec): Omit<NetworkPolicySpec, 'enabled'> {
  return rest;
}

function resolveInferencePool(pool: InferencePoolSpec): NonNullable<ResolvedPolicy['inferencePool']> {
  return {
    failureMode: pool.failureMode ?? DEFAULT_INFERENCE_POOL.failureMode,
    extProcPort: pool.extProcPort ?? DEFAULT_INFERENCE_POOL.extProcPort,
    ...(pool.gateway ? { gateway: pool.gateway } : {}),
  };
}

function resolveObjective(o: ObjectiveSpec): ResolvedObjective {
  const interToken =
    o.interTokenP95Seconds !== undefined
      ? { statistic: 'p95' as const, seconds: o.interTokenP95Seconds }
      : { statistic: 'mean' as const, seconds: o.interTokenMeanSeconds ?? DEFAULT_OBJECTIVE.interTokenMeanSeconds };
  return {
    ttftP95Seconds: o.ttftP95Seconds ?? DEFAULT_OBJECTIVE.ttftP95Seconds,
    interToken,
    qualityBudgetPoints: o.qualityBudgetPoints ?? DEFAULT_OBJECTIVE.qualityBudgetPoints,
  };
}
