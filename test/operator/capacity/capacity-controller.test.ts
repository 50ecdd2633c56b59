/**
 * The capacity controller as a reconciler, planning on the model the router fitted: the router's real live models
 * and metrics registry publish the fit, the controller's real demand path reads that text, and the in-memory client
 * stands in for the API server (the cluster suite, test/operator/cluster/capacity.test.ts, runs it on a real one).
 */
import { resolvePolicy } from '../../../src/api/v1alpha1/defaults.js';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { routerMetricsDemand } from '../../../src/capacity/router-demand.js';
import { predictInterToken } from '../../../src/model/mode-model.js';
import { seedPolicyModels } from '../../../src/model/policy-models.js';
import { createLogger } from '../../../src/observability/logger.js';
import { CAPACITY_INTERVAL_MS, CapacityController } from '../../../src/operator/capacity/capacity-controller.js';
import { createOperatorMetrics } from '../../../src/operator/runtime/metrics.js';
import { COMPONENT_ROUTER, selectorLabels } from '../../../src/api/v1alpha1/labels.js';
import { createRouterMetrics } from '../../../src/router/accounting/router-metrics.js';
import { LiveModeModels } from '../../../src/router/learn/live-mode-models.js';
import { FakeKubeClient } from '../../support/fake-kube-client.js';

const NS = 'llm';
const KEY = `${NS}/llama`;
const policy: InferenceModePolicy = {
  apiVersion: 'modeswitch.io/v1alpha1',
  kind: 'InferenceModePolicy',
  metadata: { name: 'llama', namespace: NS, generation: 1 },
  spec: {
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    engine: { nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } },
    objective: { ttftP95Seconds: 0.5, interTokenMeanSeconds: 0.01 },
    capacity: { maxGpus: 8 },
    modes: [
      { name: 'fp16', dtype: 'float16', replicas: 1 },
      { name: 'fp8', quantization: 'fp8', minReplicas: 1 },
    ],
    routing: { defaultMode: 'fp8' },
  },
};

/** A router: its live models (the ones it routes on) and its real metrics registry, which publishes them. */
function startRouter() {
  const models = new LiveModeModels();
  models.modelsOf({ modes: seedPolicyModels(resolvePolicy(policy)) });
  const metrics = createRouterMetrics({
    policy: () => KEY,
    modeStates: () => new Map(),
    telemetryAge: () => undefined,
    fittedModels: () => models.fitted(),
  });
  /** `perSecond` requests of 1,000 prompt and 200 output tokens served by fp8 over `seconds`. */
  const serve = (perSecond: number, seconds: number) => {
    const n = perSecond * seconds;
    metrics.requests.inc({ policy: KEY, mode: 'fp8', rule: 'default', code: '200' }, n);
    metrics.tokens.inc({ policy: KEY, mode: 'fp8', kind: 'prompt' }, n * 1000);
    metrics.tokens.inc({ policy: KEY, mode: 'fp8', kind: 'output' }, n * 200);
  };
  return { models, metrics, serve };
}

function cluster() {
  const client = new FakeKubeClient();
  client.seed(policy);
  for (const [mode, replicas] of [
    ['fp16', 1],
    ['fp8', 1],
  ] as const) {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `llama-${mode}`, namespace: NS } };
    client.seed({ ...ref, spec: { replicas } });
    client.setStatus({ ...ref, name: ref.metadata.name, namespace: NS }, { readyReplicas: replicas });
  }
  client.seed({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'llama-router-0', namespace: NS, labels: selectorLabels('llama', COMPONENT_ROUTER) },
    status: { podIP: '10.0.0.9', phase: 'Running' },
  });
  return client;
}

describe('the capacity controller', () => {
  /** The controller planning from this router: two scrapes 15 s apart, fp8 serving 12 req/s between them. */
  async function plan(router: ReturnType<typeof startRouter>) {
    const client = cluster();
    let nowMs = 0;
    const changed: string[] = [];
    const metrics = createOperatorMetrics({ queueLength: () => 0 });
    const controller = new CapacityController({
      client,
      reader: client.reader,
      demand: routerMetricsDemand(() => router.metrics.registry.metrics()),
      clock: { now: () => nowMs, setTimer: () => () => undefined },
      logger: createLogger('capacity-test', { level: 'error' }),
      desiredReplicas: metrics.capacityDesiredReplicas,
      onPlanChanged: (key) => changed.push(key),
    });
    const first = await controller.reconcile(KEY);
    router.serve(12, 15);
    nowMs += 15_000;
    const second = await controller.reconcile(KEY);
    return { client, controller, metrics, changed, first, second, plan: controller.planOf(KEY)?.get('fp8') };
  }

  it('sizes a mode with the model the router fitted and published: a mode the router learned is slow gets more replicas', async () => {
    const fresh = startRouter();
    const slow = startRouter();
    const seed = slow.models.modelsOf({ modes: seedPolicyModels(resolvePolicy(policy)) }).get('fp8')!.model;
    // The router saw fp8's streams run at twice the seed's time per token, at every batch it served.
    for (let i = 0; i < 400; i += 1) {
      const batch = 1 + (i % 16);
      slow.models.observeRequest({
        mode: 'fp8',
        batch,
        promptTokens: 1000,
        ttftSeconds: 0.05,
        streamSeconds: 199 * 2 * predictInterToken(seed, batch),
        outputTokens: 200,
      });
    }
    const published = slow.models.fitted().get('fp8')!;
    expect(predictInterToken(published, 8)).toBeCloseTo(2 * predictInterToken(seed, 8), 3);

    const onSeed = await plan(fresh);
    const onFit = await plan(slow);
    expect(onSeed.plan).toEqual({ desiredReplicas: 1, capacityReason: '12.0 req/s fits 1 within the SLO' });
    expect(onFit.plan?.desiredReplicas).toBeGreaterThan(onSeed.plan!.desiredReplicas);
    expect(onFit.plan?.capacityReason).toMatch(new RegExp(`needs ${onFit.plan?.desiredReplicas}`));
    // With actuation Operator it scales the Deployment to that plan.
    const fp8 = onFit.client.all('Deployment').find((d) => d.metadata.name === 'llama-fp8') as unknown as {
      spec: { replicas: number };
    };
    expect(fp8.spec.replicas).toBe(onFit.plan?.desiredReplicas);
  });

  it('is a reconciler: asks to run again after its interval, hands each new plan to the status owner, keeps it through an invalid edit, forgets a deleted policy', async () => {
    const { client, controller, metrics, changed, first, second } = await plan(startRouter());
    expect(first).toEqual({ requeueAfterMs: CAPACITY_INTERVAL_MS });
    expect(second).toEqual({ requeueAfterMs: CAPACITY_INTERVAL_MS });
    // It never writes status itself: the policy controller shows the plan.
    expect(client.actions.filter((a) => a.verb === 'patchStatus')).toEqual([]);
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(new Set(changed)).toEqual(new Set([KEY]));
    expect([...controller.planOf(KEY)!.keys()]).toEqual(['fp8']);
    const gauge = `modeswitch_capacity_desired_replicas{policy="${KEY}",mode="fp8"} 1`;
    expect(await metrics.registry.metrics()).toContain(gauge);

    const ref = { apiVersion: 'modeswitch.io/v1alpha1', kind: 'InferenceModePolicy', name: 'llama', namespace: NS };
    // An invalid edit plans nothing and keeps what it knew, as the policy controller keeps what runs.
    client.edit(ref, (p) => {
      (p['spec'] as { routing: { defaultMode: string } }).routing.defaultMode = 'nope';
    });
    expect(await controller.reconcile(KEY)).toEqual({});
    expect(controller.planOf(KEY)?.get('fp8')?.desiredReplicas).toBe(1);
    // Deleted: it forgets the policy, and its desired replicas leave the operator's /metrics.
    await client.delete(ref);
    expect(await controller.reconcile(KEY)).toEqual({});
    expect(controller.planOf(KEY)).toBeUndefined();
    expect(await metrics.registry.metrics()).not.toContain(`modeswitch_capacity_desired_replicas{policy="${KEY}"`);
    expect(await controller.reconcile(`${NS}/gone`)).toEqual({});
  });
});
