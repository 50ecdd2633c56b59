import { isDeepStrictEqual } from 'node:util';
import type { Gauge } from 'prom-client';
import { resolvePolicy, type ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import { API_VERSION, KIND, type InferenceModePolicy, type ModeStatus } from '../../api/v1alpha1/types.js';
import { validatePolicy } from '../../api/v1alpha1/validation.js';
import { seedPolicyModels } from '../../model/policy-models.js';
import { PLAN_INTERVAL_SECONDS } from '../../capacity/burst.js';
import { QUIET } from '../../capacity/demand.js';
import { planCapacity, type PlannerMode, type PlannerState } from '../../capacity/planner.js';
import type { Clock } from '../../kube/clock.js';
import { objectKey, parseObjectKey, type KubeClient, type KubeObject, type ObjectReader } from '../../kube/types.js';
import type { Logger } from '../../observability/logger.js';
import { plannedModel, type DemandSource, type RouterTarget } from '../../capacity/router-demand.js';
import { COMPONENT_ROUTER, selectorLabels } from '../../api/v1alpha1/labels.js';
import { modeObjectName } from '../render/object-meta.js';

/** The field manager of the only writer of autoscaled modes' replicas. */
export const CAPACITY_FIELD_MANAGER = 'modeswitch-capacity';
const REPORTER = 'modeswitch-capacity';
/** How often a policy is planned again, by default. */
export const CAPACITY_INTERVAL_MS = PLAN_INTERVAL_SECONDS * 1000;

/** The plan of one autoscaled mode, as status.modes[] shows it (the policy controller writes it there). */
export type ModeCapacity = Required<Pick<ModeStatus, 'desiredReplicas' | 'capacityReason'>>;

interface DeploymentLike extends KubeObject {
  metadata: KubeObject['metadata'] & { managedFields?: { manager?: string }[] };
  spec?: { replicas?: number };
  status?: { readyReplicas?: number };
}

/**
 * Whether this controller has set the Deployment's replicas. The renderer leaves an autoscaled mode's replicas out,
 * so until then the API server's default (1) stands there: no decision. The mode then counts as at its floor, so one
 * that may idle at zero starts there instead of holding a GPU for idleToZeroSeconds.
 */
function scaledByUs(d: DeploymentLike | undefined): boolean {
  return d?.metadata.managedFields?.some((f) => f.manager === CAPACITY_FIELD_MANAGER) ?? false;
}

interface PodLike extends KubeObject {
  status?: { podIP?: string; phase?: string };
}

export interface CapacityControllerOptions {
  client: KubeClient;
  reader: ObjectReader;
  demand: DemandSource;
  clock: Clock;
  logger: Logger;
  /** modeswitch_capacity_desired_replicas{policy,mode}. */
  desiredReplicas: Gauge<'policy' | 'mode'>;
  /** How often each policy with spec.capacity is planned again (default CAPACITY_INTERVAL_MS). */
  intervalMs?: number;
  /**
   * Called when a policy's plan changed what its status shows. The policy controller owns status and writes the
   * plan there (capacityOf); this controller owns the autoscaled modes' replicas, their metric and Events.
   */
  onPlanChanged?: (policyKey: string) => void;
}

/** What one reconcile asks of the work queue: plan the policy again after this long (none: a policy event will). */
export interface CapacityOutcome {
  requeueAfterMs?: number;
}

/**
 * Sizes the autoscaled modes of a policy with spec.capacity, as a reconciler on its own work queue (the operator
 * queues a policy when it appears or its spec changes, and each reconcile asks to be run again after the planning
 * interval): reads the routers' demand and the model of each mode they fitted and publish, runs the planner (the same
 * code the benchmark replays), and with actuation Operator sets each mode Deployment's replicas (the only writer of
 * them: the renderer leaves autoscaled modes' replicas out). It always publishes the desired replicas as a metric,
 * hands the plan and its reasons to the policy controller for status.modes[], and emits an Event when a mode's size
 * changes.
 */
export class CapacityController {
  private readonly state = new Map<string, PlannerState>();
  private readonly lastDesired = new Map<string, number>();
  private readonly plans = new Map<string, ReadonlyMap<string, ModeCapacity>>();

  constructor(private readonly options: CapacityControllerOptions) {}

  /** The latest plan of a policy's autoscaled modes; undefined before the first (after a restart or a new leader). */
  planOf(policyKey: string): ReadonlyMap<string, ModeCapacity> | undefined {
    return this.plans.get(policyKey);
  }

  async reconcile(key: string): Promise<CapacityOutcome> {
    const { name, namespace } = parseObjectKey(key);
    const policyObj = await this.options.reader.get<InferenceModePolicy & KubeObject>({
      apiVersion: API_VERSION,
      kind: KIND,
      name,
      namespace,
    });
    const gone = !policyObj || Boolean(policyObj.metadata.deletionTimestamp);
    const valid = gone ? undefined : validatePolicy(policyObj).policy;
    // An invalid spec leaves what runs, and what this controller knows of it, as the last valid spec had them.
    if (!gone && !valid) return {};
    const policy = valid && resolvePolicy(valid);
    const capacity = policy?.capacity;
    if (!policyObj || !policy || !capacity) {
      // Gone or not autoscaled: nothing to plan until the spec changes, which queues the policy again.
      this.forget(key);
      return {};
    }
    const now = this.options.clock.now() / 1000;
    const demand = await this.options.demand.demand(key, await this.routers(policy), now);
    const deployments = new Map<string, DeploymentLike | undefined>();
    for (const m of policy.modes) {
      deployments.set(
        m.name,
        await this.options.reader.get<DeploymentLike>({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: modeObjectName(policy.name, m.name),
          namespace: policy.namespace,
        }),
      );
    }
    const models = seedPolicyModels(policy);
    const modes: PlannerMode[] = policy.modes.flatMap((m) => {
      const d = deployments.get(m.name);
      const seeded = models.get(m.name);
      if (!seeded) return [];
      const observed = demand.get(m.name);
      const mode: PlannerMode = {
        name: m.name,
        model: plannedModel(seeded.model, observed?.fit),
        minReplicas: m.autoscale?.minReplicas ?? m.replicas,
        maxReplicas: m.autoscale?.maxReplicas ?? m.replicas,
        replicas:
          m.autoscale && capacity.actuation === 'Operator' && !scaledByUs(d)
            ? m.autoscale.minReplicas
            : (d?.spec?.replicas ?? 0),
        ready: d?.status?.readyReplicas ?? 0,
        demand: observed?.demand ?? QUIET,
      };
      if (!m.autoscale) mode.fixedReplicas = m.replicas;
      return [mode];
    });
    const plan = planCapacity(
      {
        now,
        target: policy.objective,
        maxGpus: capacity.maxGpus,
        powerBudgetWatts: capacity.powerBudgetWatts,
        scaleDownDelaySeconds: capacity.scaleDownDelaySeconds,
        idleToZeroSeconds: capacity.idleToZeroSeconds,
        modes,
      },
      this.state.get(key) ?? {},
    );
    this.state.set(key, plan.state);
    const decided = new Map(plan.modes.map((p) => [p.mode, p]));
    const autoscaled = new Map(
      policy.modes.flatMap((m) => {
        const p = m.autoscale && decided.get(m.name);
        return p ? [[m.name, { desiredReplicas: p.replicas, capacityReason: p.reason }] as const] : [];
      }),
    );
    if (!isDeepStrictEqual(autoscaled, this.plans.get(key))) {
      this.plans.set(key, autoscaled);
      this.options.onPlanChanged?.(key);
    }
    // Shrinking modes first, so the sum of replicas stays within the budget between the writes too.
    const change = (name: string) => (decided.get(name)?.replicas ?? 0) - (deployments.get(name)?.spec?.replicas ?? 0);
    for (const m of [...policy.modes].sort((a, b) => change(a.name) - change(b.name))) {
      const p = decided.get(m.name);
      if (!p || !m.autoscale) continue;
      this.options.desiredReplicas.set({ policy: key, mode: m.name }, p.replicas);
      const deployment = deployments.get(m.name);
      // Not created yet: nothing changed (its Event would read `0 → 0`); the next step scales what the server made.
      if (!deployment) continue;
      const before = this.lastDesired.get(`${key}/${m.name}`) ?? deployment.spec?.replicas;
      this.lastDesired.set(`${key}/${m.name}`, p.replicas);
      if (capacity.actuation === 'Operator' && (deployment.spec?.replicas !== p.replicas || !scaledByUs(deployment)))
        await this.scale(deployment, p.replicas);
      if (before !== p.replicas)
        await this.event(
          policyObj,
          'Normal',
          capacity.actuation === 'Operator' ? 'ScaledMode' : 'DesiredReplicas',
          `mode ${m.name}: ${before ?? 0} → ${p.replicas} replicas: ${p.reason}`,
        );
    }
    return { requeueAfterMs: this.options.intervalMs ?? CAPACITY_INTERVAL_MS };
  }

  /** Drops what this controller remembers of a policy it no longer plans. */
  private forget(key: string): void {
    for (const mode of this.plans.get(key)?.keys() ?? []) this.options.desiredReplicas.remove({ policy: key, mode });
    this.options.demand.forget(key);
    this.state.delete(key);
    this.plans.delete(key);
    for (const k of this.lastDesired.keys()) if (k.startsWith(`${key}/`)) this.lastDesired.delete(k);
  }

  /** Every router pod of the policy with an IP: its metrics endpoint. */
  private async routers(policy: ResolvedPolicy): Promise<RouterTarget[]> {
    const selector = Object.entries(selectorLabels(policy.name, COMPONENT_ROUTER))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods = await this.options.reader.list<PodLike>({
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: policy.namespace,
      labelSelector: selector,
    });
    return pods
      .filter((p) => p.status?.podIP && !p.metadata.deletionTimestamp)
      .map((p) => ({ pod: p.metadata.name, url: `http://${p.status?.podIP}:${policy.router.metricsPort}/metrics` }));
  }

  private async scale(deployment: DeploymentLike, replicas: number): Promise<void> {
    const { name, namespace } = deployment.metadata;
    const scaled: DeploymentLike = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: { replicas },
    };
    await this.options.client.apply(scaled, { fieldManager: CAPACITY_FIELD_MANAGER, force: true });
  }

  private async event(
    policyObj: InferenceModePolicy,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void> {
    const { name, namespace, uid } = policyObj.metadata;
    try {
      await this.options.client.createEvent({
        regarding: { apiVersion: API_VERSION, kind: KIND, name, namespace, uid },
        type,
        reason,
        message,
        reportingController: REPORTER,
      });
    } catch (err) {
      this.options.logger.warn('could not record a capacity event', {
        policy: objectKey(policyObj.metadata),
        error: String(err),
      });
    }
  }
}
