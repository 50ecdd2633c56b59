import { isDeepStrictEqual } from 'node:util';
import { policySelector } from '../../api/v1alpha1/labels.js';
import { API_VERSION, KIND, type InferenceModePolicy, type PolicyStatus } from '../../api/v1alpha1/types.js';
import { formatProblems, type ValidationResult } from '../../api/v1alpha1/validation.js';
import type { Clock } from '../../kube/clock.js';
import {
  objectKey,
  parseObjectKey,
  refOf,
  type GroupVersionKind,
  type KubeClient,
  type KubeObject,
  type ObjectReader,
  type ObjectRef,
} from '../../kube/types.js';
import type { Logger } from '../../observability/logger.js';
import { becameStatus, findCondition } from './conditions.js';
import { containsDesired } from './contains-desired.js';
import { withDesiredHash } from './desired-hash.js';
import { invalidStatus, reconciledStatus, type ReconciledStatusInput } from './compute-status.js';
import { OPTIONAL_OWNED_KINDS, OWNED_KINDS, POD_KIND } from './owned-kinds.js';
import { INITIAL_REPLICAS_ANNOTATION } from '../render/object-meta.js';

/** The server-side-apply field manager of everything the policy controller renders. */
export const FIELD_MANAGER = 'modeswitch-operator';

export interface PolicyControllerOptions {
  /** Writes go straight to the API server. */
  client: KubeClient;
  /** Reads come from informer caches. */
  reader: ObjectReader;
  validate: (obj: unknown) => ValidationResult;
  render: (policy: InferenceModePolicy) => KubeObject[];
  /** Kinds to apply and prune; OWNED_KINDS when absent. */
  ownedKinds?: readonly GroupVersionKind[];
  /** Rendered kinds the API server does not serve (a missing CRD): left out, with a Warning; OPTIONAL_OWNED_KINDS when absent. */
  unservedKinds?: readonly GroupVersionKind[];
  clock: Clock;
  logger: Logger;
  /** The capacity controller's latest plan of a policy (key namespace/name), which status.modes[] shows. */
  capacityPlan?: (policyKey: string) => ReconciledStatusInput['capacity'];
}

/** What one reconcile did; the runner turns it into metrics and logs. */
export interface ReconcileOutcome {
  outcome: 'gone' | 'invalid' | 'reconciled';
  applied: number;
  pruned: number;
  statusWritten: boolean;
}

type PolicyObject = InferenceModePolicy & KubeObject;

const REPORTER = 'modeswitch-operator';

/**
 * Brings the objects of one InferenceModePolicy (key `namespace/name`) in line with its spec and reports status.
 * Safe to call any number of times: objects already as desired are not written, nor is an unchanged status.
 */
export class PolicyController {
  /** Policy uid → the generation already warned about kinds it asks for that the cluster does not serve. */
  private readonly warnedUnserved = new Map<string, number | undefined>();

  constructor(private readonly options: PolicyControllerOptions) {}

  async processItem(key: string): Promise<ReconcileOutcome> {
    const { name, namespace } = parseObjectKey(key);
    const ref: ObjectRef = { apiVersion: API_VERSION, kind: KIND, name, namespace };
    const policy = await this.options.reader.get<PolicyObject>(ref);
    // A deleted policy's objects go with it through their owner references; nothing to do here.
    if (!policy || policy.metadata.deletionTimestamp)
      return { outcome: 'gone', applied: 0, pruned: 0, statusWritten: false };
    const validation = this.options.validate(policy);
    if (!validation.policy) return this.reportInvalid(policy, formatProblems(validation.problems));
    const warnings = validation.warnings?.length ? formatProblems(validation.warnings) : undefined;
    return this.reconcile(validation.policy as PolicyObject, warnings);
  }

  private async reportInvalid(policy: PolicyObject, problems: string): Promise<ReconcileOutcome> {
    const status = invalidStatus({
      previous: policy.status,
      generation: policy.metadata.generation,
      problems,
      now: this.now(),
    });
    const statusWritten = await this.writeStatus(policy, status);
    if (becameStatus(policy.status?.conditions, status.conditions ?? [], 'PolicyValid', 'False')) {
      await this.event(policy, 'Warning', 'InvalidSpec', problems);
    }
    return { outcome: 'invalid', applied: 0, pruned: 0, statusWritten };
  }

  private async reconcile(policy: PolicyObject, warnings: string | undefined): Promise<ReconcileOutcome> {
    const rendered = this.options.render(policy);
    const unserved = this.options.unservedKinds ?? OPTIONAL_OWNED_KINDS;
    const isUnserved = (o: KubeObject) => unserved.some((k) => k.apiVersion === o.apiVersion && k.kind === o.kind);
    await this.warnUnserved(policy, rendered.filter(isUnserved));
    const desired = rendered.filter((o) => !isUnserved(o)).map(withDesiredHash);
    const live = new Map<string, KubeObject>();
    let applied = 0;
    let pruned = 0;
    let applyError: string | undefined;
    try {
      for (const obj of desired) {
        const current = await this.options.reader.get(refOf(obj));
        if (current) refuseIfControlledByAnother(current, policy);
        if (current && containsDesired(current, obj)) {
          live.set(identity(obj), current);
          continue;
        }
        live.set(
          identity(obj),
          await this.options.client.apply(current ? obj : atInitialReplicas(obj), {
            fieldManager: FIELD_MANAGER,
            force: true,
          }),
        );
        applied++;
      }
      pruned = await this.prune(policy, new Set(desired.map(identity)));
    } catch (err) {
      applyError = err instanceof Error ? err.message : String(err);
      await this.writeStatusAfterFailure(policy, desired, live, applyError, warnings);
      throw err;
    }
    const status = reconciledStatus({
      previous: policy.status,
      generation: policy.metadata.generation,
      desired,
      live: (obj) => live.get(identity(obj)),
      warnings,
      pods: await this.podsOf(policy),
      capacity: this.options.capacityPlan?.(objectKey(policy.metadata)),
      now: this.now(),
    });
    const statusWritten = await this.writeStatus(policy, status);
    await this.reportTransitions(policy, status, applied);
    return { outcome: 'reconciled', applied, pruned, statusWritten };
  }

  /** Deletes objects this policy owns that the spec no longer asks for (a removed mode). */
  private async prune(policy: PolicyObject, wanted: Set<string>): Promise<number> {
    let pruned = 0;
    for (const gvk of this.options.ownedKinds ?? OWNED_KINDS) {
      const owned = await this.options.reader.list({
        ...gvk,
        namespace: policy.metadata.namespace,
        labelSelector: policySelector(policy.metadata.name),
      });
      for (const obj of owned) {
        const ours = obj.metadata.ownerReferences?.some((o) => o.uid === policy.metadata.uid && o.controller === true);
        if (!ours || wanted.has(identity(obj))) continue;
        if (await this.options.client.delete(refOf(obj))) {
          pruned++;
          await this.event(
            policy,
            'Normal',
            'Pruned',
            `deleted ${obj.kind} ${obj.metadata.name}: no longer in the spec`,
          );
        }
      }
    }
    return pruned;
  }

  private async writeStatusAfterFailure(
    policy: PolicyObject,
    desired: KubeObject[],
    live: Map<string, KubeObject>,
    applyError: string,
    warnings: string | undefined,
  ) {
    // Objects the failed pass did not reach still run: report them as the cache shows them, not as missing.
    for (const obj of desired) {
      if (live.has(identity(obj))) continue;
      const current = await this.options.reader.get(refOf(obj));
      if (current) live.set(identity(obj), current);
    }
    const status = reconciledStatus({
      previous: policy.status,
      generation: policy.metadata.generation,
      desired,
      live: (obj) => live.get(identity(obj)),
      applyError,
      warnings,
      pods: await this.podsOf(policy),
      capacity: this.options.capacityPlan?.(objectKey(policy.metadata)),
      now: this.now(),
    });
    try {
      await this.writeStatus(policy, status);
      if (becameStatus(policy.status?.conditions, status.conditions ?? [], 'Degraded', 'True')) {
        await this.event(policy, 'Warning', 'ApplyFailed', applyError);
      }
    } catch (err) {
      this.options.logger.warn('could not report the apply failure in status', {
        policy: policy.metadata.name,
        error: String(err),
      });
    }
  }

  /**
   * The policy asks for objects whose CRD the cluster lacks (an InferencePool without the Gateway API Inference
   * Extension): the rest of the policy still reconciles, and one Warning per policy generation says what is missing.
   */
  private async warnUnserved(policy: PolicyObject, skipped: KubeObject[]): Promise<void> {
    const uid = policy.metadata.uid ?? '';
    if (skipped.length === 0) {
      this.warnedUnserved.delete(uid);
      return;
    }
    if (this.warnedUnserved.has(uid) && this.warnedUnserved.get(uid) === policy.metadata.generation) return;
    this.warnedUnserved.set(uid, policy.metadata.generation);
    const kinds = [...new Set(skipped.map((o) => `${o.apiVersion} ${o.kind}`))].join(', ');
    await this.event(
      policy,
      'Warning',
      'CrdMissing',
      `not applied: the cluster does not serve ${kinds}; install its CRDs and restart the operator (docs/gateway.md)`,
    );
  }

  private async reportTransitions(policy: PolicyObject, status: PolicyStatus, applied: number) {
    const before = policy.status?.conditions;
    const after = status.conditions ?? [];
    if (applied > 0) await this.event(policy, 'Normal', 'Applied', `applied ${applied} object(s)`);
    if (becameStatus(before, after, 'Ready', 'True'))
      await this.event(policy, 'Normal', 'Ready', 'every mode and the router are ready');
    if (becameStatus(before, after, 'Degraded', 'True')) {
      await this.event(policy, 'Warning', 'Degraded', after.find((c) => c.type === 'Degraded')?.message ?? '');
    }
    const ready = findCondition(after, 'Ready');
    if (ready?.reason === 'Unschedulable' && findCondition(before, 'Ready')?.reason !== 'Unschedulable') {
      await this.event(policy, 'Warning', 'Unschedulable', ready.message);
    }
  }

  /** The policy's pods from the cache (the operator watches them, read only). */
  private podsOf(policy: PolicyObject): Promise<KubeObject[]> {
    return this.options.reader.list({
      ...POD_KIND,
      namespace: policy.metadata.namespace,
      labelSelector: policySelector(policy.metadata.name),
    });
  }

  /** Writes status only when it differs from what the policy already shows. */
  private async writeStatus(policy: PolicyObject, status: PolicyStatus): Promise<boolean> {
    if (isDeepStrictEqual(withoutUndefined(policy.status), withoutUndefined(status))) return false;
    await this.options.client.patchStatus(refOf(policy), status);
    return true;
  }

  private async event(policy: PolicyObject, type: 'Normal' | 'Warning', reason: string, message: string) {
    try {
      await this.options.client.createEvent({
        regarding: { ...refOf(policy), uid: policy.metadata.uid },
        type,
        reason,
        message,
        reportingController: REPORTER,
      });
    } catch (err) {
      // Events are best effort: losing one must not fail or repeat the reconcile.
      this.options.logger.warn('could not record event', { policy: policy.metadata.name, reason, error: String(err) });
    }
  }

  private now(): string {
    return new Date(this.options.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
}

/**
 * An object as first created: a workload rendered without replicas (an autoscaled mode's Deployment) starts at the
 * replicas its annotation names. Later applies leave them out again, so the capacity controller alone owns them.
 */
function atInitialReplicas(obj: KubeObject): KubeObject {
  const initial = obj.metadata.annotations?.[INITIAL_REPLICAS_ANNOTATION];
  if (initial === undefined) return obj;
  return { ...obj, spec: { ...(obj as { spec?: object }).spec, replicas: Number(initial) } } as KubeObject;
}

function identity(obj: KubeObject): string {
  return `${obj.apiVersion}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** Status as it reads back from the server, where undefined fields are simply absent. */
function withoutUndefined(status: PolicyStatus | undefined): unknown {
  return status === undefined ? undefined : JSON.parse(JSON.stringify(status));
}

/**
 * Two policies can render the same name (policy `a` with mode `b-c`, policy `a-b` with mode `c`). Forcing our apply
 * would make the two fight over the object; refuse, and say which policy holds it.
 */
function refuseIfControlledByAnother(live: KubeObject, policy: PolicyObject): void {
  const controller = live.metadata.ownerReferences?.find((o) => o.controller === true);
  if (controller && controller.uid !== policy.metadata.uid) {
    throw new Error(
      `${live.kind} ${live.metadata.name} belongs to ${controller.kind} ${controller.name}: both ` +
        `policies render this name (<policy>-<mode>); rename a mode or a policy`,
    );
  }
}
