/**
 * OpenAPI v3 schema of InferenceModePolicy, with the CEL rules the API server enforces. `crds/` is generated from this
 * (scripts/generate-crd.ts) and `validation.ts` checks policies against it, so the CLI, the operator and the API
 * server reject the same things with the same messages.
 */
import { PINNED_VLLM } from './vllm-cli.js';

export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  enum?: (string | number)[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  format?: string;
  'x-kubernetes-validations'?: { rule: string; message: string; fieldPath?: string }[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** Values the pinned release accepts, for a description: a policy for another release is checked against its own. */
const pinned = (values: readonly (string | number)[]) => `vLLM ${PINNED_VLLM.vllm} accepts: ${values.join(', ')}.`;
const VLLM_NAME = '^[a-z0-9][a-z0-9_.-]*$';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A Secret's data key. */
const SECRET_KEY = '^[-._a-zA-Z0-9]+$';
const QUANTITY = '^[0-9]+(\\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$';
const DURATION = '^[0-9]+(\\.[0-9]+)?(ms|s|m)$';

const str = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', description, ...extra });
const int = (description: string, minimum?: number, maximum?: number): JsonSchema => ({
  type: 'integer',
  description,
  ...(minimum === undefined ? {} : { minimum }),
  ...(maximum === undefined ? {} : { maximum }),
});
const stringMap = (description: string): JsonSchema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
});

const tolerations: JsonSchema = {
  type: 'array',
  description: 'Tolerations for the pods; defaults to tolerating the nvidia.com/gpu taint.',
  items: {
    type: 'object',
    properties: {
      key: str('Taint key.'),
      operator: str('Exists or Equal.', { enum: ['Exists', 'Equal'] }),
      value: str('Taint value (with Equal).'),
      effect: str('Taint effect.', { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] }),
      tolerationSeconds: int('How long a NoExecute taint is tolerated.'),
    },
  },
};

const keyRef: JsonSchema = {
  type: 'object',
  required: ['name', 'key'],
  properties: { name: str('Object name.'), key: str('Key in the object.'), optional: { type: 'boolean' } },
};

const env: JsonSchema = {
  type: 'array',
  description: 'Extra environment variables for the container.',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
  items: {
    type: 'object',
    required: ['name'],
    properties: {
      name: str('Variable name.', { minLength: 1 }),
      value: str('Literal value.'),
      valueFrom: {
        type: 'object',
        properties: {
          secretKeyRef: keyRef,
          configMapKeyRef: keyRef,
          fieldRef: { type: 'object', required: ['fieldPath'], properties: { fieldPath: str('Pod field path.') } },
        },
      },
    },
  },
};

const resources: JsonSchema = {
  type: 'object',
  description: 'CPU and memory requests and limits (the GPU limit comes from gpus/gpuResource).',
  properties: {
    requests: { type: 'object', additionalProperties: { type: 'string', pattern: QUANTITY } },
    limits: { type: 'object', additionalProperties: { type: 'string', pattern: QUANTITY } },
  },
};

/** Settings a mode may override; the engine block gives the defaults. */
const podSettings: Record<string, JsonSchema> = {
  image: str('vLLM OpenAI server image.', { minLength: 1 }),
  vllmVersion: str(
    `vLLM release the image runs (e.g. 0.25.1), so its arguments are checked against that release; ` +
      `the default image runs ${PINNED_VLLM.vllm}. Without it a policy naming another image is accepted ` +
      `with a warning.`,
    { pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+([.+-][0-9A-Za-z.]+)?$' },
  ),
  gpus: int('GPUs per replica (the GPU resource limit).', 1, 16),
  gpuResource: str('GPU extended resource: nvidia.com/gpu, or a MIG profile such as nvidia.com/mig-3g.40gb.', {
    pattern: '^nvidia\\.com/(gpu|mig-[0-9]+g\\.[0-9]+gb)$',
  }),
  nodeSelector: stringMap('Node labels, e.g. GPU Feature Discovery nvidia.com/gpu.product.'),
  tolerations,
  runtimeClassName: str('RuntimeClass, e.g. nvidia where the NVIDIA runtime is not the default.'),
  priorityClassName: str('PriorityClass of the pods.'),
  resources,
  maxModelLen: int('vLLM --max-model-len.', 16, 10_000_000),
  gpuMemoryUtilization: {
    type: 'number',
    description: 'vLLM --gpu-memory-utilization (0..1].',
    minimum: 0.05,
    maximum: 1,
  },
  tensorParallelSize: int('vLLM --tensor-parallel-size.', 1, 16),
  extraArgs: { type: 'array', description: 'Extra vLLM arguments, appended last.', items: { type: 'string' } },
  env,
};

const speculative: JsonSchema = {
  type: 'object',
  description: 'Speculative decoding, passed to vLLM as --speculative-config (snake_case keys).',
  required: ['method', 'numSpeculativeTokens'],
  properties: {
    method: str(`Proposer. ${pinned(PINNED_VLLM.speculative.methods)}`, { pattern: VLLM_NAME, maxLength: 40 }),
    model: str('Draft model or speculator weights (not used by ngram).'),
    numSpeculativeTokens: int('Tokens proposed per step.', 1, 16),
    promptLookupMax: int('ngram: longest n-gram to match.', 1, 16),
    promptLookupMin: int('ngram: shortest n-gram to match.', 1, 16),
    draftTensorParallelSize: int('Tensor parallel size of the draft model.', 1, 16),
    numSpeculativeTokensPerBatchSize: {
      type: 'array',
      description:
        'vLLM num_speculative_tokens_per_batch_size: [first batch, last batch, speculative tokens] ranges, the first ' +
        'starting at 1; a step drafts the tokens of the range holding its batch (0: none), at most numSpeculativeTokens.',
      minItems: 1,
      maxItems: 32,
      items: { type: 'array', minItems: 3, maxItems: 3, items: { type: 'integer', minimum: 0, maximum: 65536 } },
    },
    enableAdaptiveVerification: {
      type: 'boolean',
      description:
        'vLLM enable_adaptive_verification: size verification from per-request draft confidence (dspark only).',
    },
  },
  'x-kubernetes-validations': [
    {
      // These proposers run weights of their own; ngram, suffix and the MTP heads use the target model's.
      rule: "!(self.method in ['eagle', 'eagle3', 'draft_model', 'dflash']) || has(self.model)",
      message: 'speculative.model is required for eagle, eagle3, draft_model and dflash',
    },
    {
      rule: '!has(self.promptLookupMin) || !has(self.promptLookupMax) || self.promptLookupMin <= self.promptLookupMax',
      message: 'promptLookupMin must not exceed promptLookupMax',
    },
    {
      // vLLM 0.33 (SpeculativeConfig.enable_adaptive_verification): "Currently only supported for method=dspark".
      rule: "!has(self.enableAdaptiveVerification) || !self.enableAdaptiveVerification || self.method == 'dspark'",
      message: 'enableAdaptiveVerification is supported by vLLM only with method dspark',
    },
  ],
};

const adapter: JsonSchema = {
  type: 'object',
  description:
    'This mode is a LoRA adapter (vLLM --lora-modules <mode>=<source>); requests routed to it name the adapter upstream.',
  required: ['source', 'rank'],
  properties: {
    base: str(
      'Mode whose pods serve the adapter beside the base model; this mode then runs no pods. Unset: own pods.',
      { maxLength: 30 },
    ),
    source: str('Hugging Face repository or path of the adapter weights.', { minLength: 1 }),
    rank: int(`LoRA rank (--max-lora-rank). ${pinned(PINNED_VLLM.maxLoraRanks)}`, 1, 4096),
  },
};

const mode: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: str('Mode name (DNS label); its objects are named <policy>-<mode>.', { pattern: DNS_LABEL, maxLength: 30 }),
    replicas: int('Pods of this mode, fixed: the capacity planner leaves the mode at this size.', 0, 64),
    minReplicas: int(
      'Autoscaled (needs spec.capacity): the fewest pods the planner keeps; 0 allows scaling to zero.',
      0,
      64,
    ),
    maxReplicas: int('Autoscaled (needs spec.capacity): the most pods the planner gives this mode.', 0, 64),
    weights: str('Separate (e.g. quantized) checkpoint; defaults to spec.model.'),
    dtype: str('vLLM --dtype.', { enum: ['auto', 'half', 'float16', 'bfloat16', 'float', 'float32'] }),
    quantization: str(`vLLM --quantization method. ${pinned(PINNED_VLLM.quantizationMethods)}`, {
      pattern: VLLM_NAME,
      maxLength: 40,
    }),
    kvCacheDtype: str(`vLLM --kv-cache-dtype. ${pinned(PINNED_VLLM.kvCacheDtypes)}`, {
      pattern: VLLM_NAME,
      maxLength: 40,
    }),
    prefixCaching: { type: 'boolean', description: 'vLLM --enable-prefix-caching (off unless set).' },
    speculative,
    adapter,
    domains: {
      type: 'array',
      description: 'Request domains this mode is the expert for (request.domain, e.g. code, math).',
      'x-kubernetes-list-type': 'set',
      maxItems: 16,
      items: str('Domain name.', { pattern: DNS_LABEL, maxLength: 63 }),
    },
    ...podSettings,
  },
  'x-kubernetes-validations': [
    {
      rule: '!has(self.replicas) || (!has(self.minReplicas) && !has(self.maxReplicas))',
      message: 'replicas fixes the size of a mode; set either replicas or minReplicas/maxReplicas, not both',
    },
    {
      rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
      message: 'minReplicas must not exceed maxReplicas',
    },
  ],
};

const engine: JsonSchema = {
  type: 'object',
  description: 'Defaults for every mode pod.',
  properties: {
    ...podSettings,
    imagePullPolicy: str('Image pull policy.', { enum: ['Always', 'IfNotPresent', 'Never'] }),
    imagePullSecrets: { type: 'array', items: { type: 'string' }, description: 'Secrets for a private registry.' },
    shmSize: str('Size of the /dev/shm volume.', { pattern: QUANTITY }),
    modelCache: {
      type: 'object',
      description: 'Where downloaded weights are cached; an emptyDir when unset.',
      properties: {
        persistentVolumeClaim: str('Existing PVC name.'),
        sizeLimit: str('emptyDir size limit.', { pattern: QUANTITY }),
        mountPath: str('Mount path; HF_HOME points here.', { pattern: '^/' }),
      },
    },
    huggingFaceTokenSecret: {
      type: 'object',
      description: 'Secret with a Hugging Face token (exposed as HF_TOKEN).',
      required: ['name'],
      properties: { name: str('Secret name.', { minLength: 1 }), key: str('Key in the Secret (default token).') },
    },
    apiKeySecret: {
      type: 'object',
      description:
        'Secret with an API key the engines require (VLLM_API_KEY) and the router sends them; clients never see it.',
      required: ['name'],
      properties: { name: str('Secret name.', { minLength: 1 }), key: str('Key in the Secret (default api-key).') },
    },
    startupTimeoutSeconds: int('How long weights may take to download and load.', 60, 86_400),
    podAnnotations: stringMap('Extra pod annotations.'),
    podLabels: stringMap('Extra pod labels.'),
    serviceAccountName: str('ServiceAccount of the mode pods.'),
  },
};

const rule: JsonSchema = {
  type: 'object',
  required: ['name', 'when', 'mode'],
  properties: {
    name: str('Rule name, reported with each decision.', { pattern: DNS_LABEL, maxLength: 63 }),
    when: str('CEL condition over request.* and modes[...].* (docs/rules.md).', { minLength: 1, maxLength: 4096 }),
    mode: str('Mode to use when the condition holds.', { maxLength: 30 }),
  },
};

const routing: JsonSchema = {
  type: 'object',
  required: ['defaultMode'],
  properties: {
    defaultMode: str('Mode used when no rule matches.', { maxLength: 30 }),
    rules: {
      type: 'array',
      description: 'Evaluated in order; the first match wins.',
      maxItems: 64,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: rule,
    },
    guards: {
      type: 'object',
      description: 'Limits that move a decision down the fallback chain.',
      properties: {
        maxQueueDepth: int('Waiting requests per mode above which it is skipped.', 0),
        maxKvCacheUsage: {
          type: 'number',
          description: 'KV-cache use (0..1) above which a mode is skipped.',
          minimum: 0,
          maximum: 1,
        },
        maxGpuPowerWatts: { type: 'number', description: 'GPU power per mode above which it is skipped.', minimum: 0 },
        telemetryMaxAgeSeconds: { type: 'number', description: 'Older telemetry counts as unknown.', minimum: 0.1 },
      },
    },
    fallback: {
      type: 'array',
      description: 'Modes tried in order when the chosen one is guarded off or down.',
      'x-kubernetes-list-type': 'set',
      maxItems: 16,
      items: { type: 'string', maxLength: 30 },
    },
    firstByteTimeoutSeconds: {
      type: 'number',
      description: "Per attempt: time to a streamed answer's first byte, past which another pod is tried.",
      minimum: 0.1,
    },
    generationTimeoutSeconds: {
      type: 'number',
      description:
        'Time for a whole (non-streamed) answer, past which the client gets 504 (a hung engine whose /health ' +
        'still answers holds a request no longer). Router default 600.',
      minimum: 0.1,
    },
    streamIdleTimeoutSeconds: {
      type: 'number',
      description:
        'Longest pause between the chunks of a streamed answer, past which the stream is cut (502). Router default 60.',
      minimum: 0.1,
    },
    clientHints: {
      type: 'string',
      description:
        "Trust: clients' x-modeswitch-* hint, tenant and priority headers are used. Ignore: they are dropped.",
      enum: ['Trust', 'Ignore'],
    },
    strategy: str(
      'Rules (default): first matching rule, else defaultMode. Objective: a matching rule still wins; ' +
        'otherwise the mode with the lowest predicted J/token that meets spec.objective.',
      { enum: ['Rules', 'Objective'] },
    ),
  },
};

const telemetry: JsonSchema = {
  type: 'object',
  properties: {
    dcgmExporter: {
      type: 'object',
      description: 'dcgm-exporter to read GPU power and energy from.',
      properties: {
        namespace: str('Namespace of its Service.'),
        service: str('Service name.'),
        port: int('Port.', 1, 65535),
        path: str('Metrics path.', { pattern: '^/' }),
        url: str('Direct URL; wins over namespace/service.', { pattern: '^https?://' }),
      },
    },
    interval: str('Scrape interval (e.g. 1s, 500ms).', { pattern: DURATION }),
  },
};

const router: JsonSchema = {
  type: 'object',
  properties: {
    replicas: int('Router pods.', 0, 32),
    image: str("ModeSwitch image; default: the operator's own (the chart's image value)."),
    grpcPort: int('gRPC port.', 1024, 65535),
    httpPort: int('OpenAI HTTP port.', 1024, 65535),
    metricsPort: int('Metrics and health port.', 1024, 65535),
    resources,
    tls: {
      type: 'object',
      required: ['secretName'],
      properties: {
        secretName: str('kubernetes.io/tls Secret (ca.crt too for client certificates).'),
        requireClientCertificate: { type: 'boolean' },
      },
    },
    logLevel: str('Log level.', { enum: ['error', 'warn', 'info', 'debug'] }),
    clientAuth: {
      type: 'object',
      description:
        'Client API keys (docs/router.md, trust model): every request needs `Authorization: Bearer <key>`; hints, ' +
        'priority and Classify only for trusted keys.',
      required: ['apiKeysSecret'],
      properties: {
        apiKeysSecret: str(
          "Secret in the policy's namespace: each data key names a client, its value is the client's API key.",
          { pattern: DNS_SUBDOMAIN, maxLength: 253 },
        ),
        trustedKeys: {
          type: 'array',
          description:
            "Clients (the Secret's data keys) whose hints, tenant and priority are used and who may Classify.",
          'x-kubernetes-list-type': 'set',
          maxItems: 64,
          items: { type: 'string', pattern: SECRET_KEY, maxLength: 253 },
        },
      },
    },
    requestLimits: {
      type: 'object',
      description:
        "The router's request-input limits and memory budget for request bodies (docs/router.md); each unset one " +
        'keeps its default.',
      properties: {
        bodyTimeoutMs: int('Time for an HTTP body, or an ext_proc request, to arrive (408 after).', 1),
        headersTimeoutMs: int('Time for HTTP headers to arrive (408 after).', 1),
        maxUnfinishedBodies: int('Bodies being sent at once, all clients (503 past it).', 1),
        maxUnfinishedBodiesPerClient: int('Bodies being sent at once by one client (429 past it).', 1),
        maxBufferedBytes: int('Request bytes held at once, all clients (503 past it).', 1),
        maxBufferedBytesPerClient: int('Request bytes held at once by one client (429 past it).', 1),
        maxExtProcStreams: int('ext_proc streams open at once (more are closed with RESOURCE_EXHAUSTED).', 1),
      },
    },
  },
};

const inferencePool: JsonSchema = {
  type: 'object',
  description:
    "Gateway API Inference Extension: an InferencePool of every mode's pods with the router as its Endpoint Picker (docs/gateway.md).",
  required: ['enabled'],
  properties: {
    enabled: {
      type: 'boolean',
      description: 'Render the InferencePool (when its CRD is installed) and serve the Endpoint Picker Protocol.',
    },
    failureMode: str('What the gateway does when the router does not answer (default FailClose).', {
      enum: ['FailOpen', 'FailClose'],
    }),
    extProcPort: int('Router port of the Endpoint Picker (Envoy ext_proc, gRPC); default 9002.', 1024, 65535),
    gateway: {
      type: 'object',
      description:
        'A Gateway to attach the pool to: the operator then also renders the HTTPRoute `<policy>` (all paths to the pool).',
      required: ['name'],
      properties: {
        name: str('Gateway name.', { pattern: DNS_SUBDOMAIN, maxLength: 253 }),
        namespace: str("Gateway namespace; the policy's when absent.", { pattern: DNS_LABEL, maxLength: 63 }),
        sectionName: str('Listener of the Gateway.', { pattern: DNS_SUBDOMAIN, maxLength: 253 }),
      },
    },
  },
};

const networkPolicy: JsonSchema = {
  type: 'object',
  description:
    "NetworkPolicies: engines only from this policy's router (and the gateway), router metrics only from the " +
    'monitoring namespace (and the operator), ext_proc only from the gateway (docs/operator.md).',
  required: ['enabled'],
  properties: {
    enabled: { type: 'boolean', description: 'Render the NetworkPolicies.' },
    gatewayNamespace: str(
      "Namespace of the gateway's proxy pods (with spec.inferencePool); default: the Gateway's, else the policy's.",
      { pattern: DNS_LABEL, maxLength: 63 },
    ),
    gatewayPodLabels: stringMap("Labels of the gateway's proxy pods; every pod of that namespace when absent."),
    monitoringNamespace: str("Namespace of the Prometheus that scrapes the router's metrics port.", {
      pattern: DNS_LABEL,
      maxLength: 63,
    }),
  },
};

const seconds = (description: string): JsonSchema => ({ type: 'number', description, minimum: 0.001, maximum: 3600 });

const objective: JsonSchema = {
  type: 'object',
  description: 'The latency the policy promises and the accuracy it may spend to save energy (docs/capacity.md).',
  properties: {
    ttftP95Seconds: seconds('95th percentile time to first token, seconds.'),
    interTokenMeanSeconds: seconds('Mean time between output tokens, seconds.'),
    interTokenP95Seconds: seconds('95th percentile time between output tokens, seconds.'),
    qualityBudgetPoints: {
      type: 'number',
      description: 'Mean accuracy loss against FP16 the policy may spend, points (0: exact modes only).',
      minimum: 0,
      maximum: 100,
    },
  },
  'x-kubernetes-validations': [
    {
      rule: '!has(self.interTokenMeanSeconds) || !has(self.interTokenP95Seconds)',
      message: 'set either objective.interTokenMeanSeconds or objective.interTokenP95Seconds, not both',
    },
  ],
};

const capacity: JsonSchema = {
  type: 'object',
  description:
    'Size modes to their traffic within a GPU budget; modes without a fixed replicas are autoscaled (docs/capacity.md).',
  required: ['maxGpus'],
  properties: {
    maxGpus: int('GPUs across every mode, fixed and autoscaled.', 1, 4096),
    powerBudgetWatts: {
      type: 'number',
      description: 'Board power the pool may draw at full load, watts (each GPU at its limit).',
      minimum: 1,
    },
    scaleDownDelaySeconds: int('How long demand must stay low before a mode loses a replica (default 300).', 0, 86_400),
    idleToZeroSeconds: int(
      'How long a mode must see no demand before it scales to zero, minReplicas allowing (default 900).',
      0,
      86_400,
    ),
    actuation: str(
      'Operator (default): the operator sets replicas. External: it only publishes them for KEDA or an HPA.',
      { enum: ['Operator', 'External'] },
    ),
  },
};

const condition: JsonSchema = {
  type: 'object',
  required: ['type', 'status'],
  properties: {
    type: str('Condition type.'),
    status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
    reason: str('Machine-readable reason.'),
    message: str('Human-readable message.'),
    lastTransitionTime: str('Last change of status.', { format: 'date-time' }),
    observedGeneration: { type: 'integer' },
  },
};

const replicaStatus = (extra: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  properties: {
    replicas: { type: 'integer' },
    readyReplicas: { type: 'integer' },
    service: { type: 'string' },
    ...extra,
  },
});

export const specSchema: JsonSchema = {
  type: 'object',
  required: ['model', 'modes', 'routing'],
  properties: {
    model: str('Model name clients ask for; the weights every mode loads unless it names its own.', { minLength: 1 }),
    engine,
    modes: {
      type: 'array',
      description: 'Ways of serving the model; one Deployment and Service each.',
      minItems: 1,
      maxItems: 16,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: mode,
    },
    routing,
    telemetry,
    router,
    inferencePool,
    objective,
    capacity,
    networkPolicy,
  },
  'x-kubernetes-validations': [
    {
      rule: 'has(self.capacity) || self.modes.all(m, !has(m.minReplicas) && !has(m.maxReplicas))',
      message: 'minReplicas and maxReplicas need spec.capacity (the GPU budget autoscaled modes share)',
      fieldPath: '.modes',
    },
    {
      rule: "!has(self.routing.strategy) || self.routing.strategy != 'Objective' || has(self.objective)",
      message: 'routing.strategy Objective needs spec.objective',
      fieldPath: '.routing.strategy',
    },
    {
      // The router's objects are <policy>-router.
      rule: "self.modes.all(m, m.name != 'router')",
      message: "mode name 'router' is reserved",
      fieldPath: '.modes',
    },
    {
      rule: 'self.modes.exists(m, m.name == self.routing.defaultMode)',
      message: 'routing.defaultMode must name a mode in spec.modes',
      fieldPath: '.routing.defaultMode',
    },
    {
      rule: '!has(self.routing.rules) || self.routing.rules.all(r, self.modes.exists(m, m.name == r.mode))',
      message: 'every routing.rules[].mode must name a mode in spec.modes',
      fieldPath: '.routing.rules',
    },
    {
      rule: '!has(self.routing.fallback) || self.routing.fallback.all(f, self.modes.exists(m, m.name == f))',
      message: 'every routing.fallback entry must name a mode in spec.modes',
      fieldPath: '.routing.fallback',
    },
  ],
};

export const statusSchema: JsonSchema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer' },
    conditions: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: condition,
    },
    modes: {
      type: 'array',
      items: replicaStatus({
        name: { type: 'string' },
        desiredReplicas: { type: 'integer' },
        capacityReason: { type: 'string' },
      }),
    },
    router: replicaStatus({}),
  },
};

export const policySchema: JsonSchema = {
  type: 'object',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: specSchema,
    status: statusSchema,
  },
  'x-kubernetes-validations': [
    {
      // Service names (<policy>-<mode>, <policy>-router) must be DNS-1035 labels: a leading letter, 63 characters.
      rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 56",
      message:
        'metadata.name must start with a letter, contain only lowercase letters, digits and -, and be at most 56 characters',
    },
    {
      rule: 'self.spec.modes.all(m, size(self.metadata.name) + size(m.name) <= 62)',
      message: 'metadata.name and each mode name together must not exceed 62 characters',
    },
  ],
};
