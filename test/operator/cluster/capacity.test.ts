/**
 * The capacity controller on a real control plane: the operator, as the chart's ServiceAccount (real RBAC on its
 * Deployment scale, status patch and Event writes), sizes a policy's autoscaled modes from its router's /metrics;
 * the real Deployment and ReplicaSet controllers, the scheduler and kwok turn each decision into Ready pods on H100
 * nodes. Demand rises, a mode scales up; wanted demand for a mode at zero waits while the GPU budget is full and wakes
 * it when the budget grows; traffic stops, a mode scales down after the delay and an idle one to zero; the router
 * learns a mode is slower than its seed, and the mode is sized on that published fit. A watch on the
 * Deployments checks the GPU budget at every version the API server sends, for the whole suite.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROUTER_DEFAULTS } from '../../../src/api/v1alpha1/router-config.js';
import type { InferenceModePolicy, ModeStatus } from '../../../src/api/v1alpha1/types.js';
import { systemClock } from '../../../src/kube/clock.js';
import { connectKube } from '../../../src/kube/connect.js';
import { Informer } from '../../../src/kube/informer.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { createLogger, type Logger } from '../../../src/observability/logger.js';
import { routerMetricsDemand } from '../../../src/capacity/router-demand.js';
import { Operator } from '../../../src/operator/runtime/operator.js';
import {
  CLUSTER_START_TIMEOUT_MS,
  createNamespace,
  localCluster,
  removeKubeconfig,
  type LocalCluster,
} from '../../support/cluster.js';
import { eventually, helmInstall } from './harness.js';
import { RouterMetricsStandIn } from './router-metrics-stand-in.js';

const POLICY = 'llama';
const MAX_GPUS = 4;
const SCALE_DOWN_DELAY_S = 2;
const IDLE_TO_ZERO_S = 3;
/** The capacity controller's period: short, so the suite takes seconds per step rather than the default 15 s. */
const CAPACITY_INTERVAL_MS = 500;
/**
 * A decision reaches Ready pods through the real controllers, and demand is read over the planner's windows: allow
 * them time on a busy 2-core machine.
 */
const CONVERGE_MS = 120_000;
const RELEASE = 'cap';

/**
 * A fixed mode (fp16, one GPU whatever the traffic), an autoscaled mode with a floor of one (fp8) and one that may
 * scale to zero (spec), sharing four H100 GPUs. With 1,000-token prompts, 200-token answers and a 10 ms inter-token
 * target, the seeded fp8 model needs 3 replicas for 46 to 68 req/s and fits 1 at 2 req/s.
 */
const policy: InferenceModePolicy = {
  apiVersion: 'modeswitch.io/v1alpha1',
  kind: 'InferenceModePolicy',
  metadata: { name: POLICY, namespace: 'set-in-beforeAll' },
  spec: {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    engine: { nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } },
    objective: { ttftP95Seconds: 0.5, interTokenMeanSeconds: 0.01 },
    capacity: { maxGpus: MAX_GPUS, scaleDownDelaySeconds: SCALE_DOWN_DELAY_S, idleToZeroSeconds: IDLE_TO_ZERO_S },
    modes: [
      { name: 'fp16', dtype: 'float16', replicas: 1 },
      { name: 'fp8', quantization: 'fp8', minReplicas: 1 },
      {
        name: 'spec',
        quantization: 'fp8',
        speculative: { method: 'eagle3', model: 'yuhuili/EAGLE3-LLaMA3.1-Instruct-8B', numSpeculativeTokens: 3 },
      },
    ],
    routing: { defaultMode: 'fp8', fallback: ['fp16'] },
    // One router pod: the stand-in plays its /metrics.
    router: { replicas: 1 },
  },
};

interface DeploymentView extends KubeObject {
  spec: {
    replicas?: number;
    template: { spec: { containers: { resources?: { limits?: Record<string, string> } }[] } };
  };
}

/** A started informer over one kind in the namespace, synced. */
async function watching(
  source: ReturnType<typeof connectKube>['source'],
  logger: Logger,
  apiVersion: string,
  kind: string,
  namespace: string,
): Promise<Informer> {
  const informer = new Informer({ source, query: { apiVersion, kind, namespace }, clock: systemClock, logger });
  informer.start();
  await eventually(() => expect(informer.hasSynced()).toBe(true));
  return informer;
}

describe('the capacity controller on a real control plane', () => {
  let cluster: LocalCluster;
  let ns: { name: string; remove: () => Promise<void> };
  let operatorNs: { name: string; remove: () => Promise<void> };
  let operatorKubeconfig: string;
  let operator: Operator;
  let router: RouterMetricsStandIn;
  let dir: string;
  const informers: Informer[] = [];
  let deployments: Informer;
  let policies: Informer;
  let events: Informer;
  let pods: Informer;
  const logger = createLogger('capacity-cluster-test', { level: process.env['TEST_LOG_LEVEL'] ?? 'error' });
  /** spec.capacity.maxGpus as the test has set it. */
  let budget = MAX_GPUS;
  /** Per budget: the most GPUs the mode Deployments asked for together, at any version the API server sent. */
  const mostGpus = new Map<number, number>();
  /** Each engine Deployment's replicas as the API server first stored it. */
  const createdWith = new Map<string, number | undefined>();
  /** Every capacityReason the policy's status showed, per mode, in order. */
  const reasons = new Map<string, string[]>();

  const deployment = (mode: string) => deployments.get(`${ns.name}/${POLICY}-${mode}`) as DeploymentView | undefined;
  const replicasOf = (mode: string) => deployment(mode)?.spec.replicas;
  const modeStatus = (mode: string): ModeStatus | undefined =>
    (policies.get(`${ns.name}/${POLICY}`) as InferenceModePolicy | undefined)?.status?.modes?.find(
      (m) => m.name === mode,
    );
  const scaledEvents = () =>
    events
      .list(ns.name)
      .filter((e: any) => e.involvedObject?.name === POLICY && e.reason === 'ScaledMode')
      .map((e: any) => e.message as string);
  const eventsOf = (mode: string) => scaledEvents().filter((e) => e.startsWith(`mode ${mode}: `));
  /** The mode's pods kwok made Ready (not being deleted), with the node the scheduler bound each to. */
  const readyPods = (mode: string) =>
    pods
      .list(ns.name, `modeswitch.io/policy=${POLICY},modeswitch.io/mode=${mode}`)
      .filter(
        (p: any) =>
          !p.metadata.deletionTimestamp &&
          (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
      )
      .map((p: any) => ({ name: p.metadata.name as string, node: p.spec.nodeName as string | undefined }));

  beforeAll(async () => {
    cluster = await localCluster();
    ns = await createNamespace(cluster, 'capacity');
    operatorNs = await createNamespace(cluster, 'capacity-op');
    dir = mkdtempSync(join(tmpdir(), 'capacity-'));
    // Its own release and namespace: the journey may install release `ms` on the same cluster at the same time.
    const helm = helmInstall(cluster, ns.name, { name: RELEASE, namespace: operatorNs.name });
    if (helm.status !== 0) throw new Error(`helm install failed: ${helm.stderr}`);
    operatorKubeconfig = await cluster.serviceAccountKubeconfig(operatorNs.name, `${RELEASE}-modeswitch-operator`);

    const admin = connectKube({ path: cluster.kubeconfig });
    deployments = await watching(admin.source, logger, 'apps/v1', 'Deployment', ns.name);
    policies = await watching(admin.source, logger, 'modeswitch.io/v1alpha1', 'InferenceModePolicy', ns.name);
    events = await watching(admin.source, logger, 'v1', 'Event', ns.name);
    pods = await watching(admin.source, logger, 'v1', 'Pod', ns.name);
    informers.push(deployments, policies, events, pods);
    const countGpus = () => {
      const gpus = deployments
        .list(ns.name, 'app.kubernetes.io/component=engine')
        .reduce(
          (n, d) =>
            n +
            ((d as DeploymentView).spec.replicas ?? 0) *
              Number(
                (d as DeploymentView).spec.template.spec.containers[0]?.resources?.limits?.['nvidia.com/gpu'] ?? 0,
              ),
          0,
        );
      mostGpus.set(budget, Math.max(mostGpus.get(budget) ?? 0, gpus));
    };
    deployments.on({ add: countGpus, update: countGpus, delete: countGpus });
    deployments.on({ add: (d) => void createdWith.set(d.metadata.name, (d as DeploymentView).spec.replicas) });
    policies.on({
      update: (_old, p) => {
        for (const m of (p as InferenceModePolicy).status?.modes ?? []) {
          const seen = reasons.get(m.name) ?? [];
          if (m.capacityReason && seen.at(-1) !== m.capacityReason) seen.push(m.capacityReason);
          reasons.set(m.name, seen);
        }
      },
    });

    const applied: InferenceModePolicy = { ...policy, metadata: { name: POLICY, namespace: ns.name } };
    router = await RouterMetricsStandIn.start(applied);
    const { client, source } = connectKube({ path: operatorKubeconfig });
    operator = new Operator({
      client,
      source,
      namespace: ns.name,
      workers: 2,
      resyncPeriodMs: 0,
      clock: systemClock,
      logger,
      // The controller's own scraping and parsing of the router's metrics; only the address is loopback.
      capacityDemand: routerMetricsDemand(router.fetchText),
      capacityIntervalMs: CAPACITY_INTERVAL_MS,
    });
    operator.start();

    const file = join(dir, 'policy.yaml');
    writeFileSync(file, stringify(applied));
    await cluster.kubectlOk(['apply', '-f', file]);
  }, CLUSTER_START_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    await operator?.stop();
    await Promise.all(informers.map((i) => i.stop()));
    await router?.close();
    await ns?.remove();
    await operatorNs?.remove();
    if (operatorKubeconfig) removeKubeconfig(operatorKubeconfig);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'starts the autoscaled modes at their floors beside the fixed mode, and says so in status',
    async () => {
      await eventually(async () => {
        expect({ fp16: replicasOf('fp16'), fp8: replicasOf('fp8'), spec: replicasOf('spec') }).toEqual({
          fp16: 1,
          fp8: 1,
          spec: 0,
        });
        expect(modeStatus('fp8')).toMatchObject({
          desiredReplicas: 1,
          readyReplicas: 1,
          capacityReason: '0.00 req/s fits 1 within the SLO',
        });
        expect(modeStatus('spec')).toMatchObject({
          desiredReplicas: 0,
          readyReplicas: 0,
          capacityReason: '0.00 req/s fits 0 within the SLO',
        });
        expect(readyPods('fp8')).toHaveLength(1);
        // Created at its floor by the policy controller, the replicas are then taken over by the capacity controller,
        // whose plan status can show before its first apply: the two can land in either order.
        const managers = (
          (deployment('fp8')?.metadata as { managedFields?: { manager: string }[] }).managedFields ?? []
        ).map((m) => m.manager);
        expect(managers).toEqual(expect.arrayContaining(['modeswitch-operator', 'modeswitch-capacity']));
      }, CONVERGE_MS);
      // The fixed mode is the policy controller's: the capacity controller reports no plan for it.
      expect(modeStatus('fp16')?.desiredReplicas).toBeUndefined();
    },
    CONVERGE_MS + 5000,
  );

  it(
    'scales a mode up when its demand rises: the Deployment, Ready pods on H100 nodes, status and an Event follow',
    async () => {
      router.setRate('fp8', { served: 60 });
      await eventually(async () => {
        expect(replicasOf('fp8')).toBe(3);
        const placed = readyPods('fp8');
        expect(placed).toHaveLength(3);
        expect(placed.every((p) => p.node?.startsWith('gpu-h100-'))).toBe(true);
        expect(modeStatus('fp8')).toMatchObject({ desiredReplicas: 3, readyReplicas: 3 });
        // The traffic read over the planner's windows may take it there in one step or two, each with its reason.
        expect(eventsOf('fp8').at(-1)).toMatch(/^mode fp8: [12] → 3 replicas: .*\d+\.\d+ req\/s .*needs 3/);
      }, CONVERGE_MS);
      expect(
        eventsOf('fp8').every((e) => /^mode fp8: [12] → [23] replicas: .*\d+\.\d+ req\/s .*needs [23]/.test(e)),
      ).toBe(true);
      // Status said why while it scaled (it now says the traffic fits the 3 it has).
      expect(reasons.get('fp8')).toContainEqual(expect.stringMatching(/\d+\.\d+ req\/s .*needs 3/));
    },
    CONVERGE_MS + 5000,
  );

  it(
    'holds wanted demand for a mode at zero while the GPU budget is full, saying so',
    async () => {
      router.setRate('spec', { wanted: 0.5 });
      await eventually(() => {
        expect(modeStatus('spec')?.capacityReason).toMatch(
          /^waking from zero: 0\.\d\d req\/s \(0\.\d\d req\/s wanted here, served elsewhere\); GPU budget 4: wants 1, holds 0$/,
        );
      }, CONVERGE_MS);
      expect(replicasOf('spec')).toBe(0);
    },
    CONVERGE_MS + 5000,
  );

  it(
    'wakes the wanted mode once the platform team raises the GPU budget',
    async () => {
      budget = MAX_GPUS + 1;
      await cluster.kubectlOk([
        'patch',
        'imp',
        POLICY,
        '-n',
        ns.name,
        '--type',
        'merge',
        '-p',
        JSON.stringify({ spec: { capacity: { maxGpus: budget } } }),
      ]);
      await eventually(() => {
        expect({ fp8: replicasOf('fp8'), spec: replicasOf('spec') }).toEqual({ fp8: 3, spec: 1 });
        expect(readyPods('spec')).toHaveLength(1);
        expect(modeStatus('spec')).toMatchObject({ desiredReplicas: 1, readyReplicas: 1 });
        expect(eventsOf('spec').at(-1)).toMatch(
          /^mode spec: 0 → 1 replicas: waking from zero: 0\.\d\d req\/s \(0\.\d\d req\/s wanted here, served elsewhere\)$/,
        );
      }, CONVERGE_MS);
      expect(reasons.get('spec')).toContainEqual(
        expect.stringMatching(/^waking from zero: 0\.\d\d req\/s \(0\.\d\d req\/s wanted here, served elsewhere\)$/),
      );
    },
    CONVERGE_MS + 5000,
  );

  it(
    'gives GPUs back when the traffic stops: down after the scale-down delay, an idle mode to zero after idleToZeroSeconds',
    async () => {
      const quiet = Date.now();
      router.quiet();
      const reached = { fp8: 0, spec: 0 };
      await eventually(() => {
        if (replicasOf('fp8') === 1) reached.fp8 ||= Date.now();
        if (replicasOf('spec') === 0) reached.spec ||= Date.now();
        expect({ fp8: replicasOf('fp8'), spec: replicasOf('spec') }).toEqual({ fp8: 1, spec: 0 });
        expect({ fp8: readyPods('fp8').length, spec: readyPods('spec').length }).toEqual({ fp8: 1, spec: 0 });
        expect(modeStatus('fp8')).toMatchObject({ desiredReplicas: 1, readyReplicas: 1 });
        expect(modeStatus('spec')).toMatchObject({ desiredReplicas: 0, readyReplicas: 0 });
      }, CONVERGE_MS);
      expect(reached.fp8 - quiet).toBeGreaterThanOrEqual(SCALE_DOWN_DELAY_S * 1000);
      expect(reached.spec - quiet).toBeGreaterThanOrEqual(IDLE_TO_ZERO_S * 1000);
      // Status said what it waited for, and each change has its Event.
      // fp8 may step down through 2 as the stable window forgets the traffic; each step waited for the delay.
      expect(reasons.get('fp8')).toContainEqual(
        expect.stringMatching(/ req\/s fits [12]; waiting \d+ s more before scaling down from 3$/),
      );
      const downs = eventsOf('fp8').filter((e) => /^mode fp8: 3 → |^mode fp8: 2 → 1/.test(e));
      expect(downs.length).toBeGreaterThan(0);
      expect(
        downs.every((e) =>
          /^mode fp8: [23] → [12] replicas: \d+\.\d+ req\/s fits [12] for \d+ s: scaling down from [23]$/.test(e),
        ),
      ).toBe(true);
      expect(downs.at(-1)).toMatch(/→ 1 replicas/);
      expect(reasons.get('spec')).toContainEqual(
        expect.stringMatching(/^idle \d+ s of the 3 s before scaling to zero$/),
      );
      expect(eventsOf('spec').at(-1)).toMatch(/^mode spec: 1 → 0 replicas: idle for \d+ s: scaled to zero$/);
      expect(replicasOf('fp16')).toBe(1);
    },
    CONVERGE_MS + 5000,
  );

  it('publishes the desired replicas as a metric, for KEDA or an HPA', async () => {
    const text = await operator.metrics.registry.metrics();
    expect(text).toContain(`modeswitch_capacity_desired_replicas{policy="${ns.name}/${POLICY}",mode="fp8"} 1`);
    expect(text).toContain(`modeswitch_capacity_desired_replicas{policy="${ns.name}/${POLICY}",mode="spec"} 0`);
  });

  it(
    'sizes a mode with the model its router fitted and publishes: once the router learns fp8 is slower, fp8 scales up',
    async () => {
      router.setRate('fp8', { served: 6 });
      // On the seeded model the stable window's 6 req/s fits the one replica fp8 has.
      await eventually(() => {
        const seeded = /^(\d+\.\d+) req\/s fits 1 within the SLO$/.exec(modeStatus('fp8')?.capacityReason ?? '');
        expect(Number(seeded?.[1])).toBeGreaterThan(5.5);
      }, CONVERGE_MS);
      expect(replicasOf('fp8')).toBe(1);
      // The router's streams show fp8 at twice the seed's time per token: the controller plans on that fit.
      router.learnSlower('fp8', 2);
      await eventually(() => {
        expect(replicasOf('fp8')).toBeGreaterThan(1);
        expect(modeStatus('fp8')?.capacityReason).toMatch(/^\d+\.\d+ req\/s needs [2-4] to keep the SLO$/);
        expect(eventsOf('fp8').at(-1)).toMatch(/^mode fp8: 1 → [2-4] replicas: \d+\.\d+ req\/s needs [2-4]/);
      }, CONVERGE_MS);
    },
    2 * CONVERGE_MS + 5000,
  );

  it("read demand from the router pod's own address, as the real API server lists it", () => {
    const ips = pods
      .list(ns.name, `modeswitch.io/policy=${POLICY},app.kubernetes.io/component=router`)
      .map((p: any) => p.status?.podIP as string);
    expect(ips).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/)]);
    expect(new Set(router.scraped)).toEqual(
      new Set([`http://${ips[0]}:${ROUTER_DEFAULTS.listen.metricsPort}/metrics`]),
    );
  });

  it('created each autoscaled mode at its floor, so a mode that may idle at zero never started a pod it had no demand for', () => {
    // Without the floor the API server defaults an omitted replicas to 1.
    expect(Object.fromEntries([...createdWith].filter(([name]) => name !== `${POLICY}-router`))).toEqual({
      [`${POLICY}-fp16`]: 1,
      [`${POLICY}-fp8`]: 1,
      [`${POLICY}-spec`]: 0,
    });
  });

  it('never asked for more GPUs than spec.capacity.maxGpus, at any version of the Deployments', () => {
    // Each budget was reached (so the watch could have seen it exceeded), never passed.
    expect(Object.fromEntries(mostGpus)).toEqual({ [MAX_GPUS]: MAX_GPUS, [MAX_GPUS + 1]: MAX_GPUS + 1 });
  });
});
