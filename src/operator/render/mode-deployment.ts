import { loraModulesOf } from '../../api/v1alpha1/adapters.js';
import {
  DEFAULT_API_KEY_SECRET_KEY,
  DEFAULT_HF_TOKEN_SECRET_KEY,
  ENGINE_PORT,
  type ResolvedMode,
  type ResolvedPolicy,
} from '../../api/v1alpha1/defaults.js';
import { engineArgs } from './engine-args.js';
import { COMPONENT_ENGINE, objectLabels, selectorLabels } from '../../api/v1alpha1/labels.js';
import { INITIAL_REPLICAS_ANNOTATION, modeObjectName, objectMeta } from './object-meta.js';
import type { KubeObject } from './object.js';
import { containerSecurityContext, podSecurityContext } from './security.js';

const CACHE_MOUNT = '/models-cache';
const PROBE_PERIOD_SECONDS = 10;

function cacheVolume(policy: ResolvedPolicy): Record<string, unknown> {
  const cache = policy.engine.modelCache;
  if (cache?.persistentVolumeClaim)
    return { name: 'model-cache', persistentVolumeClaim: { claimName: cache.persistentVolumeClaim } };
  return { name: 'model-cache', emptyDir: cache?.sizeLimit ? { sizeLimit: cache.sizeLimit } : {} };
}

function engineEnv(policy: ResolvedPolicy, mode: ResolvedMode, cacheMount: string): Record<string, unknown>[] {
  const env: Record<string, unknown>[] = [
    // Non-root with a read-only root filesystem: every cache vLLM, Triton and Hugging Face write goes to volumes.
    { name: 'HOME', value: '/tmp/home' },
    // The uid has no /etc/passwd entry in the vLLM image; Python's getpass.getuser() (PyTorch's inductor cache)
    // reads USER before asking passwd, so set it.
    { name: 'USER', value: 'vllm' },
    { name: 'TORCHINDUCTOR_CACHE_DIR', value: '/tmp/cache/inductor' },
    { name: 'HF_HOME', value: cacheMount },
    { name: 'XDG_CACHE_HOME', value: '/tmp/cache' },
    { name: 'VLLM_CACHE_ROOT', value: '/tmp/cache/vllm' },
    { name: 'TRITON_CACHE_DIR', value: '/tmp/cache/triton' },
    { name: 'VLLM_NO_USAGE_STATS', value: '1' },
  ];
  const token = policy.engine.huggingFaceTokenSecret;
  if (token)
    env.push({
      name: 'HF_TOKEN',
      valueFrom: { secretKeyRef: { name: token.name, key: token.key ?? DEFAULT_HF_TOKEN_SECRET_KEY } },
    });
  const apiKey = policy.engine.apiKeySecret;
  if (apiKey)
    env.push({
      name: 'VLLM_API_KEY',
      valueFrom: { secretKeyRef: { name: apiKey.name, key: apiKey.key ?? DEFAULT_API_KEY_SECRET_KEY } },
    });
  return [...env.filter((e) => !mode.env.some((m) => m.name === e['name'])), ...mode.env.map((e) => ({ ...e }))];
}

function gpuResources(mode: ResolvedMode): Record<string, unknown> {
  // Extended resources such as nvidia.com/gpu are set as limits; Kubernetes copies them to requests.
  return {
    ...(Object.keys(mode.resources.requests).length > 0 ? { requests: mode.resources.requests } : {}),
    limits: { ...mode.resources.limits, [mode.gpuResource]: String(mode.gpus) },
  };
}

function probes(policy: ResolvedPolicy): Record<string, unknown> {
  const health = () => ({ httpGet: { path: '/health', port: 'http' } });
  return {
    // Weights download and load for minutes; the startup probe covers that, the others start after it.
    startupProbe: {
      ...health(),
      periodSeconds: PROBE_PERIOD_SECONDS,
      failureThreshold: Math.ceil(policy.engine.startupTimeoutSeconds / PROBE_PERIOD_SECONDS),
      timeoutSeconds: 5,
    },
    readinessProbe: { ...health(), periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 },
    livenessProbe: { ...health(), periodSeconds: 15, failureThreshold: 6, timeoutSeconds: 10 },
  };
}

function withInitialReplicas(meta: KubeObject['metadata'], mode: ResolvedMode): KubeObject['metadata'] {
  if (!mode.autoscale) return meta;
  return {
    ...meta,
    annotations: { ...meta.annotations, [INITIAL_REPLICAS_ANNOTATION]: String(mode.autoscale.minReplicas) },
  };
}

/** The Deployment that runs one mode's vLLM server. Pure. */
export function renderModeDeployment(policy: ResolvedPolicy, mode: ResolvedMode): KubeObject {
  const name = modeObjectName(policy.name, mode.name);
  const cacheMount = policy.engine.modelCache?.mountPath ?? CACHE_MOUNT;
  const podSpec: Record<string, unknown> = {
    securityContext: podSecurityContext(),
    // vLLM pods need no Kubernetes API access.
    automountServiceAccountToken: false,
    ...(policy.engine.serviceAccountName ? { serviceAccountName: policy.engine.serviceAccountName } : {}),
    ...(mode.runtimeClassName ? { runtimeClassName: mode.runtimeClassName } : {}),
    ...(mode.priorityClassName ? { priorityClassName: mode.priorityClassName } : {}),
    ...(Object.keys(mode.nodeSelector).length > 0 ? { nodeSelector: mode.nodeSelector } : {}),
    ...(mode.tolerations.length > 0 ? { tolerations: mode.tolerations } : {}),
    ...(policy.engine.imagePullSecrets?.length
      ? { imagePullSecrets: policy.engine.imagePullSecrets.map((n) => ({ name: n })) }
      : {}),
    terminationGracePeriodSeconds: 60,
    containers: [
      {
        name: 'vllm',
        image: mode.image,
        imagePullPolicy: policy.engine.imagePullPolicy,
        command: ['vllm', 'serve'],
        args: engineArgs(policy.model, mode, loraModulesOf(policy.modes, mode)),
        ports: [{ name: 'http', containerPort: ENGINE_PORT, protocol: 'TCP' }],
        env: engineEnv(policy, mode, cacheMount),
        resources: gpuResources(mode),
        securityContext: containerSecurityContext(),
        volumeMounts: [
          { name: 'model-cache', mountPath: cacheMount },
          { name: 'dshm', mountPath: '/dev/shm' },
          { name: 'tmp', mountPath: '/tmp' },
        ],
        ...probes(policy),
      },
    ],
    volumes: [
      cacheVolume(policy),
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: policy.engine.shmSize } },
      { name: 'tmp', emptyDir: {} },
    ],
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: withInitialReplicas(objectMeta(policy, name, COMPONENT_ENGINE, mode.name), mode),
    spec: {
      // An autoscaled mode's replicas belong to the capacity controller alone: leaving them out keeps apply off them.
      ...(mode.autoscale ? {} : { replicas: mode.replicas }),
      selector: { matchLabels: selectorLabels(policy.name, COMPONENT_ENGINE, mode.name) },
      // GPUs are scarce: replace pods one at a time instead of surging onto a GPU that is not there.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template: {
        metadata: {
          labels: { ...policy.engine.podLabels, ...objectLabels(policy.name, COMPONENT_ENGINE, mode.name) },
          ...(policy.engine.podAnnotations ? { annotations: policy.engine.podAnnotations } : {}),
        },
        spec: podSpec,
      },
    },
  };
}

/** The ClusterIP Service the router's EndpointSlice watch and Prometheus find a mode's pods through. */
export function renderModeService(policy: ResolvedPolicy, mode: ResolvedMode): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: objectMeta(policy, modeObjectName(policy.name, mode.name), COMPONENT_ENGINE, mode.name),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(policy.name, COMPONENT_ENGINE, mode.name),
      ports: [{ name: 'http', port: ENGINE_PORT, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}
