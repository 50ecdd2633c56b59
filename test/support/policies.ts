/** Policies shared by tests: the shipped examples, and a policy with every field set. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../src/api/repo-root.js';
import type { InferenceModePolicy } from '../../src/api/v1alpha1/types.js';

export const EXAMPLES_DIR = join(repoRoot(), 'deploy', 'examples');
export const DEFAULT_EXAMPLE = join(EXAMPLES_DIR, 'llama-3.1-8b-h100.yaml');

export function loadExample(file = DEFAULT_EXAMPLE): InferenceModePolicy {
  return parse(readFileSync(file, 'utf8')) as InferenceModePolicy;
}

/** A deep copy to mutate in a test. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

type DeepRequired<T> = T extends (infer U)[]
  ? DeepRequired<U>[]
  : T extends object
    ? { [K in keyof T]-?: DeepRequired<T[K]> }
    : T;

/**
 * Every field of the TypeScript types set (the compiler enforces it through DeepRequired), so a schema test can
 * prove the schema knows every field and every schema field exists in the types.
 */
export const FULL_POLICY: DeepRequired<Omit<InferenceModePolicy, 'status' | 'metadata'>> &
  Pick<InferenceModePolicy, 'metadata'> = {
  apiVersion: 'modeswitch.io/v1alpha1',
  kind: 'InferenceModePolicy',
  metadata: { name: 'full', namespace: 'llm' },
  spec: {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    engine: {
      image: 'vllm/vllm-openai:v0.11.0',
      vllmVersion: '0.11.0',
      gpus: 1,
      gpuResource: 'nvidia.com/gpu',
      nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
      tolerations: [
        { key: 'nvidia.com/gpu', operator: 'Exists', value: '', effect: 'NoSchedule', tolerationSeconds: 0 },
      ],
      runtimeClassName: 'nvidia',
      priorityClassName: 'inference',
      resources: { requests: { cpu: '4', memory: '32Gi' }, limits: { memory: '64Gi' } },
      maxModelLen: 8192,
      gpuMemoryUtilization: 0.9,
      tensorParallelSize: 1,
      extraArgs: ['--max-num-seqs', '128'],
      env: [
        {
          name: 'VLLM_LOGGING_LEVEL',
          value: 'INFO',
          valueFrom: {
            secretKeyRef: { name: 's', key: 'k', optional: true },
            configMapKeyRef: { name: 'c', key: 'k', optional: true },
            fieldRef: { fieldPath: 'metadata.name' },
          },
        },
      ],
      imagePullPolicy: 'IfNotPresent',
      imagePullSecrets: ['registry'],
      shmSize: '8Gi',
      modelCache: { persistentVolumeClaim: 'hf-cache', sizeLimit: '100Gi', mountPath: '/cache' },
      huggingFaceTokenSecret: { name: 'hf-token', key: 'token' },
      apiKeySecret: { name: 'engine-api-key', key: 'api-key' },
      startupTimeoutSeconds: 1200,
      podAnnotations: { a: 'b' },
      podLabels: { team: 'ml' },
      serviceAccountName: 'vllm',
    },
    modes: [
      {
        name: 'spec',
        replicas: 2,
        // Autoscaling bounds exclude a fixed replicas: a test drops one or the other.
        minReplicas: 1,
        maxReplicas: 4,
        weights: 'neuralmagic/Llama-3.1-8B-Instruct-FP8',
        dtype: 'auto',
        quantization: 'fp8',
        kvCacheDtype: 'fp8',
        prefixCaching: true,
        speculative: {
          method: 'draft_model',
          model: 'meta-llama/Llama-3.2-1B-Instruct',
          numSpeculativeTokens: 4,
          promptLookupMax: 4,
          promptLookupMin: 2,
          draftTensorParallelSize: 1,
          numSpeculativeTokensPerBatchSize: [
            [1, 16, 4],
            [17, 256, 2],
          ],
          enableAdaptiveVerification: false,
        },
        // On its own pods; a test drops `base` (an adapter served on a base mode's pods sets no pod settings).
        adapter: { base: 'fp16', source: 'org/llama-3.1-8b-sql-lora', rank: 16 },
        domains: ['sql'],
        image: 'vllm/vllm-openai:v0.11.0',
        vllmVersion: '0.11.0',
        gpus: 2,
        gpuResource: 'nvidia.com/mig-3g.40gb',
        nodeSelector: { zone: 'a' },
        tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 30 }],
        runtimeClassName: 'nvidia',
        priorityClassName: 'high',
        resources: { requests: { cpu: '2' }, limits: { memory: '48Gi' } },
        maxModelLen: 4096,
        gpuMemoryUtilization: 0.85,
        tensorParallelSize: 2,
        extraArgs: ['--enforce-eager'],
        env: [
          {
            name: 'X',
            value: '1',
            valueFrom: {
              secretKeyRef: { name: 's', key: 'k', optional: false },
              configMapKeyRef: { name: 'c', key: 'k', optional: false },
              fieldRef: { fieldPath: 'spec.nodeName' },
            },
          },
        ],
      },
    ],
    routing: {
      defaultMode: 'spec',
      rules: [{ name: 'all', when: 'request.inputTokens >= 0', mode: 'spec' }],
      guards: { maxQueueDepth: 8, maxKvCacheUsage: 0.9, maxGpuPowerWatts: 600, telemetryMaxAgeSeconds: 5 },
      fallback: ['spec'],
      firstByteTimeoutSeconds: 30,
      generationTimeoutSeconds: 300,
      streamIdleTimeoutSeconds: 30,
      clientHints: 'Trust',
      strategy: 'Objective',
    },
    // Only one inter-token target may be set: a test drops the p95 one.
    objective: {
      ttftP95Seconds: 0.5,
      interTokenMeanSeconds: 0.05,
      interTokenP95Seconds: 0.1,
      qualityBudgetPoints: 0.2,
    },
    capacity: {
      maxGpus: 8,
      powerBudgetWatts: 5600,
      scaleDownDelaySeconds: 300,
      idleToZeroSeconds: 900,
      actuation: 'External',
    },
    telemetry: {
      dcgmExporter: {
        namespace: 'gpu-operator',
        service: 'nvidia-dcgm-exporter',
        port: 9400,
        path: '/metrics',
        url: 'http://dcgm:9400/metrics',
      },
      interval: '500ms',
    },
    router: {
      replicas: 2,
      image: 'ghcr.io/modeswitch/modeswitch:0.1.0',
      grpcPort: 9000,
      httpPort: 8080,
      metricsPort: 9090,
      resources: { requests: { cpu: '1' }, limits: { memory: '1Gi' } },
      tls: { secretName: 'router-tls', requireClientCertificate: true },
      logLevel: 'debug',
      clientAuth: { apiKeysSecret: 'router-client-keys', trustedKeys: ['batch-planner'] },
      requestLimits: {
        bodyTimeoutMs: 10_000,
        headersTimeoutMs: 5_000,
        maxUnfinishedBodies: 128,
        maxUnfinishedBodiesPerClient: 16,
        maxBufferedBytes: 128 * 1024 * 1024,
        maxBufferedBytesPerClient: 16 * 1024 * 1024,
        maxExtProcStreams: 512,
      },
    },
    inferencePool: {
      enabled: true,
      failureMode: 'FailOpen',
      extProcPort: 9002,
      gateway: { name: 'inference-gateway', namespace: 'gateways', sectionName: 'http' },
    },
    networkPolicy: {
      enabled: true,
      gatewayNamespace: 'gateways',
      gatewayPodLabels: { 'gateway.networking.k8s.io/gateway-name': 'inference-gateway' },
      monitoringNamespace: 'monitoring',
    },
  },
};

/** A Llama 3.1 8B policy routed by its objective (p95 TTFT 0.5 s, 30 ms per token, 0.2 points), with these modes. */
export function objectivePolicy(
  modes: InferenceModePolicy['spec']['modes'],
  routing: Partial<InferenceModePolicy['spec']['routing']> = {},
): InferenceModePolicy {
  return {
    apiVersion: 'modeswitch.io/v1alpha1',
    kind: 'InferenceModePolicy',
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      modes,
      routing: { defaultMode: 'fp16', strategy: 'Objective', ...routing },
      objective: { ttftP95Seconds: 0.5, interTokenMeanSeconds: 0.03, qualityBudgetPoints: 0.2 },
    },
  };
}
