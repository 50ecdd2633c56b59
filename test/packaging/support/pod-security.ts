/**
 * Checks a pod spec against the "restricted" Pod Security Standard
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted), the parts a chart controls.
 * Returns one line per violation; empty means compliant.
 */

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
}

interface Container {
  name: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
}

export interface PodSpecLike {
  securityContext?: SecurityContext;
  containers: Container[];
  initContainers?: Container[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: Record<string, unknown>[];
}

const ALLOWED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

function containerViolations(pod: PodSpecLike, c: Container): string[] {
  const sc = c.securityContext ?? {};
  const podSc = pod.securityContext ?? {};
  const out: string[] = [];
  if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation must be false`);
  if (sc.privileged) out.push(`${c.name}: privileged`);
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${c.name}: capabilities must drop ALL`);
  if ((sc.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE')) out.push(`${c.name}: adds capabilities`);
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) out.push(`${c.name}: runAsNonRoot must be true`);
  if ((sc.runAsUser ?? podSc.runAsUser) === 0) out.push(`${c.name}: runs as uid 0`);
  const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
    out.push(`${c.name}: seccompProfile must be RuntimeDefault or Localhost`);
  // Not part of the standard, but the project's posture: nothing in the image may be rewritten at run time.
  if (sc.readOnlyRootFilesystem !== true) out.push(`${c.name}: readOnlyRootFilesystem must be true`);
  if ((c.ports ?? []).some((p) => p.hostPort !== undefined)) out.push(`${c.name}: uses a hostPort`);
  return out;
}

export function restrictedViolations(pod: PodSpecLike): string[] {
  const out: string[] = [];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push('pod shares a host namespace');
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type && !ALLOWED_VOLUME_TYPES.has(type)) out.push(`volume ${String(volume['name'])}: type ${type} not allowed`);
  }
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) out.push(...containerViolations(pod, c));
  return out;
}
