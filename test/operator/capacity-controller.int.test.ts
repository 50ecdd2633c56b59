import type { ModeDemand } from '../../src/capacity/planner.js';
import { systemClock } from '../../src/kube/clock.js';
import { connectKube } from '../../src/kube/connect.js';
import { createLogger } from '../../src/observability/logger.js';
import type { DemandSource, ModeObservation } from '../../src/operator/capacity-demand.js';
import { Operator } from '../../src/operator/operator.js';
import type { FakeApiServer } from '../support/fake-apiserver/index.js';
import { eventually, policy, startServer } from './integration/harness.js';
import { policyFixture } from './policy-fixture.js';

const MAX_GPUS = 3;

/** Demand the test sets per mode; the operator reads it as it would read the routers' counters. */
class TestDemand implements DemandSource {
  byMode = new Map<string, Partial<ModeDemand>>();
  async demand(): Promise<Map<string, ModeObservation>> {
    const base: ModeDemand = { requestsPerSecond: 0, wantedPerSecond: 0, meanPromptTokens: 1000, meanOutputTokens: 200, inFlight: 0 };
    return new Map([...this.byMode].map(([m, d]) => [m, { demand: { ...base, ...d } }]));
  }
}

const replicasOf = (server: FakeApiServer, mode: string): number | undefined =>
  (server.store.get('apps/v1', 'Deployment', `llama-${mode}`, 'llm') as { spec?: { replicas?: number } } | undefined)?.spec?.replicas;

const modeStatus = (server: FakeApiServer, mode: string) => policy(server).status?.modes?.find((m: { name: string }) => m.name === mode);

const eventsAbout = (server: FakeApiServer): string[] =>
  server.store.list('v1', 'Event', 'llm').map((e) => `${(e as { reason?: string }).reason}: ${(e as { message?: string }).message ?? (e as { note?: string }).note}`);

describe('capacity controller through the Kubernetes API', () => {
  let server: FakeApiServer;
  let operator: Operator;
  const demand = new TestDemand();
  let maxTotal = 0;
  let watch: NodeJS.Timeout;

  beforeAll(async () => {
    server = await startServer();
    const { client, source } = connectKube({ content: server.kubeconfig() });
    operator = new Operator({
      client, source, workers: 2, resyncPeriodMs: 0, clock: systemClock, logger: createLogger('capacity-test', { level: 'error' }),
      capacityDemand: demand, capacityIntervalMs: 100,
    });
    operator.start();
    const p = policyFixture(['fp16', 'fp8']);
    p.spec.modes[1]!.minReplicas = 1;
    p.spec.capacity = { maxGpus: MAX_GPUS, scaleDownDelaySeconds: 0, idleToZeroSeconds: 2 };
    p.spec.objective = { ttftP95Seconds: 0.5, interTokenMeanSeconds: 0.006 };
    server.store.create(p as never);
    // The GPU budget is watched over the whole test, not only at the checks.
    watch = setInterval(() => {
      maxTotal = Math.max(maxTotal, (replicasOf(server, 'fp16') ?? 0) + (replicasOf(server, 'fp8') ?? 0));
    }, 20);
  });

  afterAll(async () => {
    clearInterval(watch);
    await operator.stop();
    await server.close();
  });

  it('starts autoscaled modes at their floor, the renderer leaving their replicas to the capacity controller', async () => {
    await eventually(() => {
      expect(replicasOf(server, 'fp8')).toBe(1);
      expect(replicasOf(server, 'fp16')).toBe(0);
    });
    const managers = (server.store.get('apps/v1', 'Deployment', 'llama-fp8', 'llm') as { metadata: { managedFields: { manager: string }[] } }).metadata.managedFields.map((m) => m.manager);
    expect(managers).toEqual(expect.arrayContaining(['modeswitch-operator', 'modeswitch-capacity']));
  });

  it('scales a mode up when its demand rises, and says why in status and an Event', async () => {
    demand.byMode.set('fp8', { requestsPerSecond: 60 });
    await eventually(() => {
      expect(replicasOf(server, 'fp8')).toBeGreaterThan(1);
      expect(modeStatus(server, 'fp8')).toMatchObject({ desiredReplicas: replicasOf(server, 'fp8'), capacityReason: expect.stringMatching(/60\.0 req\/s/) });
      expect(eventsAbout(server).join('\n')).toMatch(/ScaledMode: mode fp8: 1 → \d replicas: 60\.0 req\/s/);
    }, 10_000);
  });

  it('gives GPUs back when demand falls, and wakes a mode at zero on demand the router wanted to send it', async () => {
    demand.byMode.set('fp8', { requestsPerSecond: 2 });
    demand.byMode.set('fp16', { wantedPerSecond: 0.5 });
    await eventually(() => {
      expect(replicasOf(server, 'fp8')).toBe(1);
      expect(replicasOf(server, 'fp16')).toBe(1);
      expect(modeStatus(server, 'fp16')?.capacityReason).toMatch(/^waking from zero/);
    }, 10_000);
  });

  it('scales an idle mode to zero after the idle delay, and an autoscaled one back to its floor', async () => {
    demand.byMode.clear();
    await eventually(() => {
      expect(replicasOf(server, 'fp16')).toBe(0);
      expect(replicasOf(server, 'fp8')).toBe(1);
      expect(modeStatus(server, 'fp16')?.capacityReason).toMatch(/scaled to zero/);
    }, 15_000);
  });

  it('publishes the desired replicas as a metric, for KEDA or an HPA', async () => {
    const text = await operator.metrics.registry.metrics();
    expect(text).toContain('modeswitch_capacity_desired_replicas{policy="llm/llama",mode="fp8"} 1');
    expect(text).toContain('modeswitch_capacity_desired_replicas{policy="llm/llama",mode="fp16"} 0');
  });

  it('never exceeded the GPU budget', () => {
    expect(maxTotal).toBeGreaterThan(1);
    expect(maxTotal).toBeLessThanOrEqual(MAX_GPUS);
  });
});
