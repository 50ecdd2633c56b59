import type { Condition, ModeStatus, PolicyStatus, RouterStatus } from '../../api/v1alpha1/types.js';
import type { KubeObject } from '../../kube/types.js';
import { setCondition, type ConditionInput } from './conditions.js';
import { LABEL_MODE } from '../../api/v1alpha1/labels.js';

interface DeploymentLike extends KubeObject {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface InvalidStatusInput {
  previous?: PolicyStatus;
  generation?: number;
  /** The validation problems, one line (formatProblems). */
  problems: string;
  now: string;
}

/** Status of a policy whose spec is rejected: what runs is left alone, so modes/router keep their last values. */
export function invalidStatus(input: InvalidStatusInput): PolicyStatus {
  const { previous, generation, now } = input;
  const conditions = applyConditions(previous?.conditions ?? [], now, generation, [
    { type: 'PolicyValid', status: 'False', reason: 'InvalidSpec', message: input.problems },
    {
      type: 'Ready',
      status: 'False',
      reason: 'InvalidSpec',
      message: 'the spec is invalid; objects of the last valid spec are left running',
    },
    {
      type: 'Progressing',
      status: 'False',
      reason: 'InvalidSpec',
      message: 'nothing is applied until the spec is fixed',
    },
  ]);
  return { ...previous, observedGeneration: generation, conditions };
}

interface PodLike extends KubeObject {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface ReconciledStatusInput {
  previous?: PolicyStatus;
  generation?: number;
  /** The rendered objects. */
  desired: readonly KubeObject[];
  /** The live object for a desired one, when known. */
  live: (desired: KubeObject) => KubeObject | undefined;
  /** Set when applying or pruning failed this time. */
  applyError?: string;
  /** What validation could not check (formatProblems of its warnings); the spec is valid regardless. */
  warnings?: string;
  /** The policy's pods as the cache shows them: they say why replicas are missing (e.g. the scheduler's reason). */
  pods?: readonly KubeObject[];
  /** The capacity controller's latest plan per autoscaled mode; absent before its first, when the last one shown stays. */
  capacity?: ReadonlyMap<string, CapacityFields>;
  now: string;
}

type CapacityFields = Pick<ModeStatus, 'desiredReplicas' | 'capacityReason'>;

interface Workload {
  /** Mode name, or undefined for the router. */
  mode?: string;
  replicas: number;
  readyReplicas: number;
  /** The Deployment controller has seen the latest spec and replaced every old pod. */
  rolledOut: boolean;
  service: string;
  failure?: string;
  /** The scheduler's message for a pod it could not place (`0/5 nodes are available: ...`). */
  unschedulable?: string;
}

/** A mode's plan in status: the capacity controller's latest, or the one status shows until it has planned. */
function capacityOf(input: ReconciledStatusInput, mode: string): CapacityFields {
  if (input.capacity) return input.capacity.get(mode) ?? {};
  const s = input.previous?.modes?.find((m) => m.name === mode);
  if (s?.desiredReplicas === undefined) return {};
  return s.capacityReason === undefined
    ? { desiredReplicas: s.desiredReplicas }
    : { desiredReplicas: s.desiredReplicas, capacityReason: s.capacityReason };
}

/** Status after a reconcile of a valid spec: per-mode and router readiness and the four conditions. Pure. */
export function reconciledStatus(input: ReconciledStatusInput): PolicyStatus {
  const workloads = input.desired.filter((o) => o.kind === 'Deployment').map((d) => workloadOf(d, input));
  const modes: ModeStatus[] = workloads
    .filter((w) => w.mode !== undefined)
    .map((w) => ({
      name: w.mode as string,
      replicas: w.replicas,
      readyReplicas: w.readyReplicas,
      service: w.service,
      ...capacityOf(input, w.mode as string),
    }));
  const routerWorkload = workloads.find((w) => w.mode === undefined);
  const router: RouterStatus | undefined = routerWorkload && {
    replicas: routerWorkload.replicas,
    readyReplicas: routerWorkload.readyReplicas,
    service: routerWorkload.service,
  };
  const waiting = workloads.filter((w) => w.readyReplicas < w.replicas || !w.rolledOut);
  const failing = workloads.filter((w) => w.failure !== undefined);
  const conditions = applyConditions(input.previous?.conditions ?? [], input.now, input.generation, [
    {
      type: 'PolicyValid',
      status: 'True',
      reason: 'Valid',
      message: input.warnings ? `the spec is valid; not checked: ${input.warnings}` : 'the spec is valid',
    },
    readyCondition(waiting, input.applyError),
    waiting.length > 0 || input.applyError
      ? {
          type: 'Progressing',
          status: 'True',
          reason: 'RollingOut',
          message: describeWaiting(waiting) || 'applying objects',
        }
      : {
          type: 'Progressing',
          status: 'False',
          reason: 'Complete',
          message: 'every mode and the router are up to date',
        },
    degradedCondition(failing, input.applyError),
  ]);
  return { observedGeneration: input.generation, conditions, modes, ...(router ? { router } : {}) };
}

function readyCondition(waiting: Workload[], applyError?: string): ConditionInput {
  if (applyError) return { type: 'Ready', status: 'False', reason: 'ApplyFailed', message: applyError };
  const unplaced = waiting.filter((w) => w.unschedulable !== undefined);
  if (unplaced.length > 0) {
    const message = unplaced
      .map(
        (w) =>
          `${w.mode ?? 'router'} ${w.readyReplicas}/${w.replicas} ready, a pod cannot be scheduled: ${w.unschedulable}`,
      )
      .join('; ');
    return { type: 'Ready', status: 'False', reason: 'Unschedulable', message };
  }
  if (waiting.length > 0)
    return { type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: describeWaiting(waiting) };
  return {
    type: 'Ready',
    status: 'True',
    reason: 'AllReplicasReady',
    message: 'every mode and the router have all replicas ready',
  };
}

function degradedCondition(failing: Workload[], applyError?: string): ConditionInput {
  if (applyError) return { type: 'Degraded', status: 'True', reason: 'ApplyFailed', message: applyError };
  if (failing.length > 0) {
    const message = failing.map((w) => `${w.mode ?? 'router'}: ${w.failure}`).join('; ');
    return { type: 'Degraded', status: 'True', reason: 'DeploymentFailing', message };
  }
  return { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'no failures' };
}

function describeWaiting(waiting: Workload[]): string {
  return waiting
    .map(
      (w) =>
        `${w.mode ?? 'router'} ${w.readyReplicas}/${w.replicas} ready${w.readyReplicas >= w.replicas && !w.rolledOut ? ', rolling out' : ''}`,
    )
    .join(', ');
}

function workloadOf(desired: KubeObject, input: ReconciledStatusInput): Workload {
  const live = input.live(desired) as DeploymentLike | undefined;
  const mode = desired.metadata.labels?.[LABEL_MODE];
  const service = input.desired.find((o) => o.kind === 'Service' && o.metadata.labels?.[LABEL_MODE] === mode);
  const replicas = live?.spec?.replicas ?? (desired as DeploymentLike).spec?.replicas ?? 1;
  return {
    mode,
    replicas,
    readyReplicas: live?.status?.readyReplicas ?? 0,
    rolledOut: rolledOut(live, replicas),
    service: service?.metadata.name ?? '',
    failure: failureOf(live),
    unschedulable: unschedulableMessage(podsOf(desired as DeploymentLike, input.pods ?? [])),
  };
}

/** Pods the Deployment's selector picks (its matchLabels, which is all the renderer sets), not being deleted. */
function podsOf(deployment: DeploymentLike, pods: readonly KubeObject[]): PodLike[] {
  const match = Object.entries(deployment.spec?.selector?.matchLabels ?? {});
  if (match.length === 0) return [];
  return pods.filter(
    (p) =>
      p.metadata.namespace === deployment.metadata.namespace &&
      !p.metadata.deletionTimestamp &&
      match.every(([k, v]) => p.metadata.labels?.[k] === v),
  );
}

/** The scheduler marks a pod it cannot place PodScheduled=False, reason Unschedulable, with why in the message. */
function unschedulableMessage(pods: readonly PodLike[]): string | undefined {
  for (const pod of pods) {
    const c = pod.status?.conditions?.find(
      (x) => x.type === 'PodScheduled' && x.status === 'False' && x.reason === 'Unschedulable',
    );
    if (c) return c.message ?? c.reason;
  }
  return undefined;
}

/**
 * Right after an apply the Deployment's status still describes the old pods: it counts as rolled out only once its
 * controller has observed the new generation, every replica is updated and no old pod is left (as `kubectl rollout
 * status` decides). Fields a status does not carry give no evidence either way.
 */
function rolledOut(live: DeploymentLike | undefined, replicas: number): boolean {
  const s = live?.status;
  if (!live || !s) return false;
  const generation = live.metadata.generation;
  if (s.observedGeneration !== undefined && generation !== undefined && s.observedGeneration < generation) return false;
  if (s.updatedReplicas !== undefined && s.updatedReplicas < replicas) return false;
  return s.replicas === undefined || s.replicas <= replicas;
}

/** A Deployment reports a lasting failure through ReplicaFailure or a Progressing condition past its deadline. */
function failureOf(live: DeploymentLike | undefined): string | undefined {
  const failed = live?.status?.conditions?.find(
    (c) =>
      (c.type === 'ReplicaFailure' && c.status === 'True') ||
      (c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded'),
  );
  return failed ? (failed.message ?? failed.reason ?? failed.type) : undefined;
}

function applyConditions(
  start: readonly Condition[],
  now: string,
  generation: number | undefined,
  inputs: ConditionInput[],
): Condition[] {
  return inputs.reduce<Condition[]>((acc, c) => setCondition(acc, c, now, generation), [...start]);
}
