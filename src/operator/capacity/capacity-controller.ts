import { isDeepStrictEqual } from 'node:util';
import type { Gauge } from 'prom-client';
import { resolvePolicy, type ResolvedPolicy } from '../../api/v1alpha1/defaults.js';
import { API_VERSION, KIND, type InferenceModePolicy, type ModeStatus } from '../../api/v1alpha1/types.js';
import { validatePolicy } from '../../api/v1alpha1/validation.js';
import { ModeModelFit } from '../../model/mode-model-fit.js';
import { seedPolicyModels, type PolicyModeModel } from '../../model/policy-models.js';
import { planCapacity, type ModeDemand, type PlannerMode, type PlannerState } from '../../capacity/planner.js';
import type { Clock } from '../../kube/clock.js';
import { objectKey, type KubeClient, type KubeObject, type ObjectReader } from '../../kube/types.js';
import type { Logger } from '../../observability/logger.js';
import type { DemandSource, ModeObservation, RouterTarget } from '../../capacity/router-demand.js';
import { COMPONENT_ROUTER, selectorLabels } from '../../api/v1alpha1/labels.js';
import { modeObjectName } from '../render/object-meta.js';

/** The field manager of the only writer of autoscaled modes' replicas. */
export const CAPACITY_FIELD_MANAGER = 'modeswitch-capacity';
const REPORTER = 'modeswitch-capacity';
const QUIET: ModeDemand = {
  requestsPerSecond: 0,
  wantedPerSecond: 0,
  meanPromptTokens: 0,
  meanOutputTokens: 0,
  inFlight: 0,
};

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
}

/**
 * Sizes the autoscaled modes of every policy with spec.capacity: reads the routers' demand, runs the planner (the
 * same code the benchmark replays), and with actuation Operator sets each mode Deployment's replicas (the only
 * writer of them: the renderer leaves autoscaled modes' replicas out). It always publishes the desired replicas as a
 * metric and in status.modes[] with the planner's reason, and emits an Event when a mode's size changes.
 */
export class CapacityController {
  private readonly state = new Map<string, PlannerState>();
  private readonly lastDesired = new Map<string, number>();
  /** Per policy generation and mode: the seeded model, refitted from what the routers observe. */
  private readonly fits = new Map<string, ModeModelFit>();

  constructor(private readonly options: CapacityControllerOptions) {}

  async reconcile(policyObj: InferenceModePolicy): Promise<void> {
    const key = objectKey(policyObj.metadata);
    const valid = validatePolicy(policyObj).policy;
    if (!valid) return;
    const policy = resolvePolicy(valid);
    const capacity = policy.capacity;
    if (!capacity) return;
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
      const ready = d?.status?.readyReplicas ?? 0;
      const observed = demand.get(m.name);
      const mode: PlannerMode = {
        name: m.name,
        model: this.refit(`${key}@${policyObj.metadata.generation ?? 0}/${m.name}`, seeded, observed, ready),
        minReplicas: m.autoscale?.minReplicas ?? m.replicas,
        maxReplicas: m.autoscale?.maxReplicas ?? m.replicas,
        replicas:
          m.autoscale && capacity.actuation === 'Operator' && !scaledByUs(d)
            ? m.autoscale.minReplicas
            : (d?.spec?.replicas ?? 0),
        ready,
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
    // Status before scaling: the policy controller then writes the counts the scaling changes after this write.
    await this.writeStatus(policyObj, decided, deployments);
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
  }

  /**
   * The mode's model, refitted with the interval's observations: inter-token time and power per replica against the
   * batch per ready replica (waiting + running ÷ replicas, an approximation while replicas change).
   */
  private refit(fitKey: string, seeded: PolicyModeModel, observed: ModeObservation | undefined, ready: number) {
    let fit = this.fits.get(fitKey);
    if (!fit) {
      // A new generation may run other flags or GPUs: its modes start again from their seeds.
      const policyPrefix = fitKey.slice(0, fitKey.indexOf('@') + 1);
      for (const k of this.fits.keys())
        if (k.startsWith(policyPrefix) && !k.startsWith(fitKey.slice(0, fitKey.lastIndexOf('/') + 1)))
          this.fits.delete(k);
      this.fits.set(fitKey, (fit = new ModeModelFit(seeded.model)));
    }
    if (observed && ready > 0) {
      const batch = observed.demand.inFlight / ready;
      if (observed.interTokenSeconds !== undefined) fit.observeInterToken(batch, observed.interTokenSeconds);
      if (observed.watts !== undefined) fit.observePower(batch, observed.watts / ready);
    }
    return fit.model();
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

  /**
   * The plan in status.modes[]. The policy controller writes the same list (a merge patch replaces it whole), so the
   * counts come from the Deployments as just read, as that controller computes them: a write of either never leaves
   * the other's older counts standing.
   */
  private async writeStatus(
    policyObj: InferenceModePolicy,
    decided: Map<string, { replicas: number; reason: string }>,
    deployments: Map<string, DeploymentLike | undefined>,
  ): Promise<void> {
    const ref = {
      apiVersion: API_VERSION,
      kind: KIND,
      name: policyObj.metadata.name,
      namespace: policyObj.metadata.namespace,
    };
    const current = (await this.options.reader.get<InferenceModePolicy>(ref))?.status?.modes ?? [];
    const autoscaled = new Set(
      resolvePolicy(policyObj)
        .modes.filter((m) => m.autoscale)
        .map((m) => m.name),
    );
    let changed = false;
    const modes: ModeStatus[] = current.map((s) => {
      const d = deployments.get(s.name);
      const p = autoscaled.has(s.name) ? decided.get(s.name) : undefined;
      const next: ModeStatus = {
        ...s,
        replicas: d?.spec?.replicas ?? s.replicas,
        readyReplicas: d ? (d.status?.readyReplicas ?? 0) : s.readyReplicas,
        ...(p ? { desiredReplicas: p.replicas, capacityReason: p.reason } : {}),
      };
      if (isDeepStrictEqual(next, s)) return s;
      changed = true;
      return next;
    });
    if (!changed) return;
    await this.options.client.patchStatus(ref, { modes });
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
