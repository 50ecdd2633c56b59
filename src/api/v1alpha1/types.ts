/**
 * InferenceModePolicy modeswitch.io/v1alpha1: the TypeScript side of the single source of truth.
 * `schema.ts` beside this file holds the matching OpenAPI schema; `test/api` fails if the two disagree,
 * and `crds/` is generated from the schema (`npm run generate`).
 */
import type { RouterLimits } from './router-config.js';
import type { KvCacheDtype, QuantizationMethod, SpeculativeMethod } from './vllm-cli.js';

export const GROUP = 'modeswitch.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'InferenceModePolicy';
export const PLURAL = 'inferencemodepolicies';
export const SINGULAR = 'inferencemodepolicy';
export const SHORT_NAME = 'imp';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
}

export interface InferenceModePolicy {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: PolicySpec;
  status?: PolicyStatus;
}

export interface PolicySpec {
  /** The model name clients ask for (OpenAI `model`), and the weights every mode loads unless it names its own. */
  model: string;
  /** Defaults for every mode's vLLM pods. */
  engine?: EngineSpec;
  modes: ModeSpec[];
  routing: RoutingSpec;
  telemetry?: TelemetrySpec;
  router?: RouterSpec;
  /** Gateway API Inference Extension: an InferencePool of every mode's pods, the router as its Endpoint Picker. */
  inferencePool?: InferencePoolSpec;
  /** The latency the policy promises and the accuracy it may spend to save energy (docs/capacity.md). */
  objective?: ObjectiveSpec;
  /** Size modes to their traffic within a GPU budget; modes without a fixed `replicas` are then autoscaled. */
  capacity?: CapacitySpec;
  /** NetworkPolicies that close the engines, the router's metrics and its ext_proc port to everyone else. */
  networkPolicy?: NetworkPolicySpec;
}

/**
 * Opt-in NetworkPolicies (docs/operator.md): engines' vLLM port only from this policy's router (and the gateway's
 * pods when spec.inferencePool is on), the router's metrics port only from the monitoring namespace (and the
 * operator, which reads demand there when spec.capacity is set), its ext_proc port only from the gateway.
 */
export interface NetworkPolicySpec {
  enabled: boolean;
  /** Namespace of the gateway's proxy pods; the Gateway's namespace (spec.inferencePool.gateway), else the policy's. */
  gatewayNamespace?: string;
  /** Labels of the gateway's proxy pods in that namespace; every pod there when absent. */
  gatewayPodLabels?: Record<string, string>;
  /** Namespace of the Prometheus that scrapes the router; without it nobody but the operator reads its metrics. */
  monitoringNamespace?: string;
}

/** Service-level objective and quality budget: what objective routing and the capacity planner keep. */
export interface ObjectiveSpec {
  /** 95th percentile time to first token, seconds. */
  ttftP95Seconds?: number;
  /** Mean time between output tokens, seconds (set this or interTokenP95Seconds). */
  interTokenMeanSeconds?: number;
  /** 95th percentile time between output tokens, seconds. */
  interTokenP95Seconds?: number;
  /** Mean accuracy loss against FP16 the policy may spend, points (0: only exact modes). */
  qualityBudgetPoints?: number;
}

/** The GPU pool autoscaled modes share, and how fast the capacity planner gives GPUs back. */
export interface CapacitySpec {
  /** GPUs across every mode, fixed and autoscaled. */
  maxGpus: number;
  /** Board power the pool may draw at full load, watts (each GPU counted at its limit). */
  powerBudgetWatts?: number;
  /** How long demand must stay low before a mode loses a replica. */
  scaleDownDelaySeconds?: number;
  /** How long a mode must see no demand before it scales to zero (its minReplicas allowing). */
  idleToZeroSeconds?: number;
  /** Operator: the operator sets replicas. External: it only publishes them (KEDA or an HPA acts). */
  actuation?: 'Operator' | 'External';
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/**
 * Where downloaded weights are cached across restarts; without it they live in an emptyDir. No hostPath: it would let
 * anyone who may create a policy mount any node directory, and the restricted Pod Security profile forbids it.
 */
export interface ModelCacheSpec {
  /** An existing PersistentVolumeClaim (ReadWriteMany if modes share it). */
  persistentVolumeClaim?: string;
  /** emptyDir size limit when neither of the above is set. */
  sizeLimit?: string;
  /** Mounted here; HF_HOME points at it. */
  mountPath?: string;
}

export interface SecretKeyRef {
  name: string;
  key?: string;
}

/**
 * vLLM's `--speculative-config`, field for field (camelCase here, snake_case on the command line). Method names are
 * the pinned release's (src/gen/vllm); a policy for another release is checked against that release's table.
 */
export interface SpeculativeSpec {
  method: SpeculativeMethod;
  /** Draft model or speculator weights; not used by ngram. */
  model?: string;
  numSpeculativeTokens: number;
  promptLookupMax?: number;
  promptLookupMin?: number;
  draftTensorParallelSize?: number;
  /**
   * vLLM 0.33's `num_speculative_tokens_per_batch_size`: [first batch, last batch, speculative tokens] ranges; each
   * step drafts the tokens of the range holding its batch (a gap or the tail keeps the range before; 0 = no drafts),
   * never more than numSpeculativeTokens.
   */
  numSpeculativeTokensPerBatchSize?: [number, number, number][];
  /** vLLM 0.33's `enable_adaptive_verification`: size the verification from per-request draft confidence (dspark only). */
  enableAdaptiveVerification?: boolean;
}

/** Settings that a mode may override; `engine` gives the policy-wide defaults. */
export interface PodSettings {
  image?: string;
  /**
   * The vLLM release the image runs (e.g. `0.25.1`), so arguments can be checked against that release's flags; the
   * default image runs the pinned release. Without it, a policy naming another image is accepted with a warning.
   */
  vllmVersion?: string;
  /** GPUs per replica (the value of the GPU resource limit). */
  gpus?: number;
  /** Extended resource to request: `nvidia.com/gpu`, or a MIG profile such as `nvidia.com/mig-3g.40gb`. */
  gpuResource?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  runtimeClassName?: string;
  priorityClassName?: string;
  resources?: ResourceRequirements;
  maxModelLen?: number;
  gpuMemoryUtilization?: number;
  tensorParallelSize?: number;
  extraArgs?: string[];
  env?: EnvVar[];
}

export interface EngineSpec extends PodSettings {
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  imagePullSecrets?: string[];
  /** Size of the /dev/shm emptyDir (NCCL and tensor parallelism need more than the container default). */
  shmSize?: string;
  modelCache?: ModelCacheSpec;
  /** Secret holding a Hugging Face token; exposed to vLLM as HF_TOKEN, never logged. */
  huggingFaceTokenSecret?: SecretKeyRef;
  /**
   * Secret holding an API key (key `api-key` by default): the engines require it (VLLM_API_KEY, vLLM's `--api-key`) and
   * the router sends it upstream as a bearer token; a client's own Authorization never reaches the engines.
   */
  apiKeySecret?: SecretKeyRef;
  /** How long a pod may take to download and load weights before the startup probe gives up. */
  startupTimeoutSeconds?: number;
  podAnnotations?: Record<string, string>;
  podLabels?: Record<string, string>;
  serviceAccountName?: string;
}

export type Dtype = 'auto' | 'half' | 'float16' | 'bfloat16' | 'float' | 'float32';
export type { KvCacheDtype, QuantizationMethod, SpeculativeMethod } from './vllm-cli.js';

/** A LoRA adapter on a base model: vLLM's `--lora-modules <mode name>=<source>`. */
export interface AdapterSpec {
  /**
   * The mode whose pods serve this adapter beside the base model; the adapter mode then runs no pods of its own.
   * Unset: the adapter mode runs its own pods (its weights, or spec.model, with only this adapter loaded).
   */
  base?: string;
  /** Hugging Face repository or path of the adapter weights. */
  source: string;
  /** LoRA rank; one of the release's --max-lora-rank choices. */
  rank: number;
}

export interface ModeSpec extends PodSettings {
  /** DNS label; the mode's Deployment and Service are `<policy>-<mode>`. */
  name: string;
  /** A fixed size: the mode stays at this many pods whatever spec.capacity says. */
  replicas?: number;
  /** Autoscaled (with spec.capacity): the fewest pods the planner keeps; 0 lets it scale to zero. */
  minReplicas?: number;
  /** Autoscaled: the most pods the planner gives this mode. */
  maxReplicas?: number;
  /** A separate (quantized) checkpoint; defaults to spec.model. */
  weights?: string;
  dtype?: Dtype;
  /** vLLM `--quantization` method (fp8, awq_marlin, gptq_marlin, compressed-tensors, ...). */
  quantization?: QuantizationMethod;
  kvCacheDtype?: KvCacheDtype;
  prefixCaching?: boolean;
  speculative?: SpeculativeSpec;
  /** This mode is a LoRA adapter; requests routed to it name the adapter as `model` upstream. */
  adapter?: AdapterSpec;
  /** Request domains this mode is the expert for (`request.domain`, e.g. code, math). */
  domains?: string[];
}

export interface RoutingRule {
  name: string;
  /** CEL expression over `request` and `modes` (docs/rules.md). */
  when: string;
  mode: string;
}

export interface GuardsSpec {
  maxQueueDepth?: number;
  maxKvCacheUsage?: number;
  maxGpuPowerWatts?: number;
  telemetryMaxAgeSeconds?: number;
}

export interface RoutingSpec {
  defaultMode: string;
  rules?: RoutingRule[];
  guards?: GuardsSpec;
  /** Modes tried in order when the chosen one is guarded off or has no ready pod. */
  fallback?: string[];
  /** Per attempt: time to a streamed answer's first byte, past which the router tries another pod (router default 60). */
  firstByteTimeoutSeconds?: number;
  /** Time for a whole (non-streamed) answer, past which the client gets 504 (router default 600). */
  generationTimeoutSeconds?: number;
  /** Longest pause between the chunks of a streamed answer, past which the stream is cut (router default 60). */
  streamIdleTimeoutSeconds?: number;
  /** Trust (default): clients' x-modeswitch-* hint, tenant and priority headers are used. Ignore: they are dropped. */
  clientHints?: 'Trust' | 'Ignore';
  /**
   * Rules (default): first matching rule, else defaultMode. Objective: a rule that matches still wins; otherwise the
   * mode with the lowest predicted energy per token that meets spec.objective at the current load.
   */
  strategy?: 'Rules' | 'Objective';
}

export interface DcgmExporterRef {
  namespace?: string;
  service?: string;
  port?: number;
  path?: string;
  /** Direct URL, for a router outside the cluster or a sidecar; wins over namespace/service. */
  url?: string;
}

export interface TelemetrySpec {
  dcgmExporter?: DcgmExporterRef;
  /** Scrape interval, a duration such as `1s` or `500ms`. */
  interval?: string;
}

export interface RouterTlsSpec {
  /** kubernetes.io/tls Secret with tls.crt and tls.key (and ca.crt for client certificates). */
  secretName: string;
  requireClientCertificate?: boolean;
}

export interface RouterSpec {
  replicas?: number;
  image?: string;
  grpcPort?: number;
  httpPort?: number;
  metricsPort?: number;
  resources?: ResourceRequirements;
  tls?: RouterTlsSpec;
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** The router's request-input limits and body budget (router config `limits`); unset ones keep their defaults. */
  requestLimits?: Partial<RouterLimits>;
  /** Client API keys: every request must carry one; hints, priority and Classify only for trusted ones. */
  clientAuth?: ClientAuthSpec;
}

/** Router client authentication (docs/router.md, trust model). */
export interface ClientAuthSpec {
  /**
   * Secret in the policy's namespace: each data key names a client, its value is that client's API key, sent as
   * `Authorization: Bearer <key>`. Mounted read-only into the router, which picks up changes without a restart.
   */
  apiKeysSecret: string;
  /**
   * Clients (the Secret's data keys) whose x-modeswitch-* hints, tenant and priority are used and who may call
   * Classify; other clients are served on the router's own estimates and refused Classify.
   */
  trustedKeys?: string[];
}

/**
 * An `inference.networking.k8s.io/v1` InferencePool selecting the pods of every mode (the mode stays a pod label), with
 * the router's Endpoint Picker (Envoy ext_proc) port as its `endpointPickerRef`. docs/gateway.md.
 */
export interface InferencePoolSpec {
  enabled: boolean;
  /** What the gateway does when the router does not answer: refuse (FailClose) or pick any pod itself (FailOpen). */
  failureMode?: 'FailOpen' | 'FailClose';
  /** The router's Endpoint Picker (ext_proc gRPC) port. */
  extProcPort?: number;
  /** A Gateway to attach the pool to: the operator then also owns an HTTPRoute `<policy>` sending it every path. */
  gateway?: { name: string; namespace?: string; sectionName?: string };
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';
export type ConditionType = 'Ready' | 'Progressing' | 'Degraded' | 'PolicyValid';

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ModeStatus {
  name: string;
  replicas: number;
  readyReplicas: number;
  service: string;
  /** What the capacity planner wants (autoscaled modes only). */
  desiredReplicas?: number;
  /** Why the planner wants that many, in words. */
  capacityReason?: string;
}

export interface RouterStatus {
  replicas: number;
  readyReplicas: number;
  service: string;
}

export interface PolicyStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  modes?: ModeStatus[];
  router?: RouterStatus;
}
