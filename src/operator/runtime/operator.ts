import { isDeepStrictEqual } from 'node:util';
import { API_VERSION, KIND } from '../../api/v1alpha1/types.js';
import { validatePolicy } from '../../api/v1alpha1/validation.js';
import { CachedReader } from '../../kube/cached-reader.js';
import { sleep, type Clock } from '../../kube/clock.js';
import { Informer } from '../../kube/informer.js';
import { LeaderElector, type LeaderElectorOptions } from '../../kube/leader-election.js';
import { ReadYourWrites } from '../../kube/read-your-writes.js';
import { objectKey, type GroupVersionKind, type KubeClient, type KubeObject } from '../../kube/types.js';
import type { WatchSource } from '../../kube/watch-source.js';
import type { Logger } from '../../observability/logger.js';
import { CAPACITY_INTERVAL_MS, CapacityController } from '../capacity/capacity-controller.js';
import type { DemandSource } from '../../capacity/router-demand.js';
import { LABEL_POLICY, MANAGED_SELECTOR } from '../../api/v1alpha1/labels.js';
import { createOperatorMetrics, type OperatorMetrics } from './metrics.js';
import { OPTIONAL_OWNED_KINDS, OWNED_KINDS, POD_KIND } from '../policy/owned-kinds.js';
import { PolicyController } from '../policy/policy-controller.js';
import { renderPolicy } from '../render/index.js';
import { WorkQueue } from './work-queue.js';
import { runWorkers } from './workers.js';

export type LeaderElectionOptions = Pick<
  LeaderElectorOptions,
  'namespace' | 'name' | 'identity' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'
>;

export interface OperatorOptions {
  client: KubeClient;
  source: WatchSource;
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string;
  workers: number;
  /** Absent: this instance reconciles without electing a leader (one replica only). */
  leaderElection?: LeaderElectionOptions;
  /** Every policy is reconciled again this often, catching anything a watch missed. 0 disables it. */
  resyncPeriodMs?: number;
  clock: Clock;
  logger: Logger;
  /** Which OPTIONAL_OWNED_KINDS the API server serves (discovery at start); none when absent. */
  servedOptionalKinds?: readonly GroupVersionKind[];
  /** Called when leadership is lost; the process should exit so it restarts clean. */
  onLostLeadership?: () => void;
  /** Where the capacity controller reads demand; without it, no policy is autoscaled. */
  capacityDemand?: DemandSource;
  /** How often the capacity controller plans each policy (default CAPACITY_INTERVAL_MS). */
  capacityIntervalMs?: number;
  /** The operator's own image: routers of policies without spec.router.image run it (else DEFAULT_ROUTER_IMAGE). */
  routerImage?: string;
}

const POLICY_KIND: GroupVersionKind = { apiVersion: API_VERSION, kind: KIND };

/**
 * The operator process minus its HTTP and signal handling: informers for policies and owned objects feed a work
 * queue; workers run the policy controller while this instance leads (or always, without leader election). With a
 * demand source, the capacity controller reconciles on a queue of its own, fed by policy events and requeued after
 * each planning interval.
 */
export class Operator {
  readonly queue: WorkQueue;
  private readonly capacityQueue: WorkQueue;
  readonly metrics: OperatorMetrics;
  private readonly policies: Informer;
  private readonly owned: Informer[];
  private readonly pods: Informer;
  private readonly writes: ReadYourWrites;
  private readonly controller: PolicyController;
  private readonly elector: LeaderElector | undefined;
  private readonly stopController = new AbortController();
  private workers: Promise<void> | undefined;
  private cancelResync: (() => void) | undefined;
  private readonly capacity: CapacityController | undefined;

  constructor(private readonly options: OperatorOptions) {
    const { clock, logger, namespace } = options;
    this.queue = new WorkQueue({ clock });
    const capacityIntervalMs = options.capacityIntervalMs ?? CAPACITY_INTERVAL_MS;
    // A failing plan is retried with backoff, but never later than the next planned step would have been.
    this.capacityQueue = new WorkQueue({ clock, maxDelayMs: capacityIntervalMs });
    this.metrics = createOperatorMetrics({ queueLength: () => this.queue.length });
    const informer = (gvk: GroupVersionKind, labelSelector?: string) =>
      new Informer({ source: options.source, query: { ...gvk, namespace, labelSelector }, clock, logger });
    this.policies = informer(POLICY_KIND);
    const served = options.servedOptionalKinds ?? [];
    const ownedKinds = [...OWNED_KINDS, ...served];
    const unservedKinds = OPTIONAL_OWNED_KINDS.filter(
      (k) => !served.some((s) => s.apiVersion === k.apiVersion && s.kind === k.kind),
    );
    this.owned = ownedKinds.map((gvk) => informer(gvk, MANAGED_SELECTOR));
    this.pods = informer(POD_KIND, MANAGED_SELECTOR);
    const cache = new CachedReader(options.client);
    cache.register(POLICY_KIND, this.policies);
    ownedKinds.forEach((gvk, i) => cache.register(gvk, this.owned[i] as Informer));
    cache.register(POD_KIND, this.pods);
    this.writes = new ReadYourWrites({ client: options.client, reader: cache, clock });
    this.capacity =
      options.capacityDemand &&
      new CapacityController({
        client: this.writes,
        reader: this.writes.reader,
        demand: options.capacityDemand,
        clock,
        logger,
        desiredReplicas: this.metrics.capacityDesiredReplicas,
        intervalMs: capacityIntervalMs,
        // The policy controller owns status: a new plan queues the policy for it to show.
        onPlanChanged: (key) => this.queue.add(key),
      });
    const capacity = this.capacity;
    this.controller = new PolicyController({
      client: this.writes,
      reader: this.writes.reader,
      validate: validatePolicy,
      render: (policy) => renderPolicy(policy, { routerImage: options.routerImage }),
      ownedKinds,
      unservedKinds,
      clock,
      logger,
      capacityPlan: capacity && ((key) => capacity.planOf(key)),
    });
    this.wireEvents();
    this.elector =
      options.leaderElection &&
      new LeaderElector({
        ...options.leaderElection,
        client: options.client,
        clock,
        logger,
        onStartedLeading: () => this.startWorkers(),
        // Releasing the lease on stop() also ends leadership; only an unplanned loss should end the process.
        onStoppedLeading: () => {
          if (!this.stopController.signal.aborted) this.options.onLostLeadership?.();
        },
      });
  }

  start(): void {
    this.policies.start();
    for (const i of this.watched()) i.start();
    if (this.elector) this.elector.start();
    else this.startWorkers();
  }

  hasSynced(): boolean {
    return this.policies.hasSynced() && this.watched().every((i) => i.hasSynced());
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : true;
  }

  /** Synced, and either leading or a standby that can see the lease. */
  isReady(): boolean {
    if (!this.hasSynced()) return false;
    return !this.elector || this.elector.isLeader() || this.elector.leader() !== undefined;
  }

  /** Queues every known policy, as the periodic resync does. */
  resync(): void {
    for (const p of this.policies.list()) this.queue.add(objectKey(p.metadata));
  }

  /** Queues a policy for both controllers. */
  private enqueuePolicy(key: string): void {
    this.queue.add(key);
    if (this.capacity) this.capacityQueue.add(key);
  }

  /** Stops watches, lets queued and in-flight reconciles finish, then releases the lease. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.cancelResync?.();
    await Promise.all([this.policies.stop(), ...this.watched().map((i) => i.stop())]);
    await Promise.all([this.queue.shutDown(), this.capacityQueue.shutDown()]);
    await this.workers;
    await this.elector?.stop();
  }

  private wireEvents(): void {
    const enqueuePolicy = (obj: KubeObject) => this.enqueuePolicy(objectKey(obj.metadata));
    this.policies.on({
      add: (obj) => enqueuePolicy(obj),
      // Our own status writes change no generation; reconciling them again would only confirm nothing to do.
      update: (old, obj) => {
        if (
          old.metadata.generation !== obj.metadata.generation ||
          old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp
        ) {
          enqueuePolicy(obj);
        }
      },
      delete: (obj) => enqueuePolicy(obj),
    });
    const enqueueOwner = (obj: KubeObject) => {
      const owner = obj.metadata.ownerReferences?.find(
        (o) => o.controller && o.kind === KIND && o.apiVersion === API_VERSION,
      );
      if (owner) this.queue.add(objectKey({ namespace: obj.metadata.namespace, name: owner.name }));
    };
    for (const informer of this.owned) {
      informer.on({
        add: (o) => enqueueOwner(o),
        update: (_old, o) => enqueueOwner(o),
        delete: (o) => enqueueOwner(o),
      });
    }
    // Pods belong to ReplicaSets, not to the policy: their policy label names it. Only a change of the pod's
    // conditions can change the policy's status.
    const enqueuePolicyOfPod = (obj: KubeObject) => {
      const policy = obj.metadata.labels?.[LABEL_POLICY];
      if (policy) this.queue.add(objectKey({ namespace: obj.metadata.namespace, name: policy }));
    };
    this.pods.on({
      add: (o) => enqueuePolicyOfPod(o),
      update: (old, o) => {
        if (!isDeepStrictEqual(conditionsOf(old), conditionsOf(o))) enqueuePolicyOfPod(o);
      },
      delete: (o) => enqueuePolicyOfPod(o),
    });
  }

  private watched(): Informer[] {
    return [...this.owned, this.pods];
  }

  private startWorkers(): void {
    if (this.workers) return;
    this.workers = (async () => {
      // Reconciling before the caches are full would re-create objects that already exist.
      while (!this.hasSynced() && !this.stopController.signal.aborted)
        await sleep(this.options.clock, 50, this.stopController.signal);
      this.scheduleResync();
      const { logger, clock } = this.options;
      const capacity = this.capacity;
      await Promise.all([
        runWorkers({
          queue: this.queue,
          count: this.options.workers,
          controller: 'policy',
          process: (key) => this.controller.processItem(key),
          describe: (o) => (o.applied > 0 || o.pruned > 0 || o.outcome === 'invalid' ? { ...o } : undefined),
          metrics: this.metrics,
          logger,
          clock,
        }),
        capacity &&
          runWorkers({
            queue: this.capacityQueue,
            count: this.options.workers,
            controller: 'capacity',
            process: (key) => capacity.reconcile(key),
            logger,
            clock,
          }),
      ]);
    })();
  }

  private scheduleResync(): void {
    const period = this.options.resyncPeriodMs ?? 10 * 60_000;
    if (period <= 0 || this.stopController.signal.aborted) return;
    this.cancelResync = this.options.clock.setTimer(() => {
      this.resync();
      this.scheduleResync();
    }, period);
  }
}

function conditionsOf(pod: KubeObject): unknown {
  return (pod as { status?: { conditions?: unknown } }).status?.conditions;
}
