import { PodRegistry } from '../../../src/router/pods/pod-registry.js';
import { counterDelta } from '../../../src/metrics/counter-delta.js';
import { engineSampleOf } from '../../../src/router/telemetry/engine-sample.js';
import { gpuReadingsOf } from '../../../src/router/telemetry/gpu-sample.js';
import { buildModeView } from '../../../src/router/telemetry/mode-view.js';
import { TelemetryStore } from '../../../src/router/telemetry/telemetry-store.js';

const VLLM = `# HELP vllm:num_requests_waiting Waiting
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{model_name="m"} 3.0
vllm:num_requests_running{model_name="m"} 2.0
vllm:kv_cache_usage_perc{model_name="m"} 0.42
vllm:generation_tokens_total{model_name="m"} 1000.0
vllm:prompt_tokens_total{model_name="m"} 5.0
garbage line without value
`;

const dcgm = (energyA: number, energyB: number, pod = 'p-0') => `# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",pod="${pod}",namespace="ns",Hostname="n"} 300.5
DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-b",pod="${pod}",namespace="ns",Hostname="n"} 200
DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-a",pod="${pod}",namespace="ns"} 80
DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-b",pod="${pod}",namespace="ns"} 40
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-a",pod="${pod}",namespace="ns"} ${energyA}
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="1",UUID="GPU-b",pod="${pod}",namespace="ns"} ${energyB}
DCGM_FI_DEV_POWER_USAGE{gpu="2",UUID="GPU-c",Hostname="n"} 90
`;

describe('scraped pages', () => {
  it('reads the vLLM gauges and counters a decision needs, skipping odd lines', () => {
    expect(engineSampleOf(VLLM)).toEqual({ queueDepth: 3, running: 2, kvCacheUsage: 0.42, generationTokens: 1000 });
  });

  it('reads older vLLM KV-cache names', () => {
    expect(engineSampleOf('vllm:gpu_cache_usage_perc{model_name="m"} 0.7').kvCacheUsage).toBe(0.7);
  });

  it('reads dcgm-exporter per GPU with its pod, utilisation as 0..1', () => {
    const r = gpuReadingsOf(dcgm(5000, 7000));
    expect(r[0]).toEqual({
      gpu: 'GPU-a',
      pod: 'p-0',
      namespace: 'ns',
      powerWatts: 300.5,
      utilization: 0.8,
      energyMillijoules: 5000,
    });
    expect(r[2]).toEqual({ gpu: 'GPU-c', powerWatts: 90 });
  });

  it('treats a counter that went down as restarted from zero', () => {
    expect(counterDelta(undefined, 50)).toBe(0);
    expect(counterDelta(100, 150)).toBe(50);
    expect(counterDelta(100, 30)).toBe(30);
  });
});

describe('telemetry store and mode view', () => {
  const setup = () => {
    const energy: Array<[string, number]> = [];
    const registry = new PodRegistry();
    registry.update(
      new Map([
        [
          'fp8',
          [
            { url: 'http://a', mode: 'fp8', pod: 'p-0', namespace: 'ns', ready: true },
            { url: 'http://b', mode: 'fp8', pod: 'p-1', namespace: 'ns', ready: true },
          ],
        ],
      ]),
    );
    const power: Array<[string | undefined, string, number]> = [];
    const store = new TelemetryStore({
      modeOfPod: (ns, pod) => registry.all().find((p) => p.pod === pod && p.namespace === ns)?.mode,
      onEnergy: (mode, j) => energy.push([mode, j]),
      onPodPower: (ns, pod, watts) => power.push([ns, pod, watts]),
      energyWindowMs: 10_000,
    });
    const view = (now: number) =>
      buildModeView({ modes: ['fp8'], podsOf: (m) => registry.pods(m), store, now, maxAgeMs: 5000 });
    return { energy, power, registry, store, view };
  };

  it('gives each pod its average power over the interval from energy-counter deltas, by the one reset rule', () => {
    const { power, store } = setup();
    store.recordGpus(gpuReadingsOf(dcgm(1_000_000, 2_000_000)), 0);
    expect(power).toEqual([]);
    // 500 J and 250 J over 2 s on the pod's two GPUs: 375 W for the pod.
    store.recordGpus(gpuReadingsOf(dcgm(1_500_000, 2_250_000)), 2000);
    expect(power).toEqual([['ns', 'p-0', 375]]);
    // GPU-a's driver reloaded and its counter restarted: the 100 J it counted since, with GPU-b's 250 J, over 1 s.
    store.recordGpus(gpuReadingsOf(dcgm(100_000, 2_500_000)), 3000);
    expect(power).toEqual([
      ['ns', 'p-0', 375],
      ['ns', 'p-0', 350],
    ]);
  });

  it('accounts energy per mode from counter deltas, across a counter reset', () => {
    const { energy, store } = setup();
    store.recordGpus(gpuReadingsOf(dcgm(1_000_000, 2_000_000)), 0);
    store.recordGpus(gpuReadingsOf(dcgm(1_500_000, 2_250_000)), 1000);
    // GPU-a's driver reloaded: its counter restarts at 100 J.
    store.recordGpus(gpuReadingsOf(dcgm(100_000, 2_500_000)), 2000);
    expect(energy).toEqual([
      ['fp8', 750],
      ['fp8', 350],
    ]);
  });

  it('gives energy per generated token over the window', () => {
    const { store, view } = setup();
    store.recordEngine('http://a', 'fp8', { generationTokens: 1000 }, 0);
    store.recordGpus(gpuReadingsOf(dcgm(0, 0)), 0);
    store.recordEngine('http://a', 'fp8', { generationTokens: 1500 }, 1000);
    store.recordGpus(gpuReadingsOf(dcgm(200_000, 50_000)), 1000);
    expect(view(1000).states.get('fp8')?.energyPerToken).toBeCloseTo(0.5);
    expect(view(20_000).states.get('fp8')?.energyPerToken).toBeUndefined();
  });

  it('sums a mode only when every ready pod is known, and forgets stale values', () => {
    const { store, view, registry } = setup();
    store.recordEngine('http://a', 'fp8', engineSampleOf(VLLM), 0);
    expect(view(100).states.get('fp8')).toEqual({ readyPods: 2n, telemetryAgeSeconds: 0.1 });
    store.recordEngine('http://b', 'fp8', { queueDepth: 1, running: 0, kvCacheUsage: 0.9 }, 50);
    store.recordGpus(gpuReadingsOf(dcgm(0, 0)), 60);
    store.recordGpus(gpuReadingsOf(dcgm(0, 0, 'p-1')), 60);
    const s = view(100).states.get('fp8');
    expect(s).toMatchObject({
      readyPods: 2n,
      queueDepth: 4n,
      running: 2n,
      kvCacheUsage: 0.9,
      powerWatts: 1001,
      telemetryAgeSeconds: 0.1,
    });
    expect(s?.gpuUtilization).toBeCloseTo(0.6);
    // Five seconds later everything is stale: unknown, not zero.
    expect(view(5100).states.get('fp8')).toEqual({ readyPods: 2n });
    registry.pods('fp8')[0]!.ejectedUntil = 6100;
    registry.touch();
    expect(view(5200).states.get('fp8')?.readyPods).toBe(1n);
  });
});

describe('memory follows the pod set', () => {
  it('drops every reading of pods and modes a rollout removed', () => {
    const registry = new PodRegistry();
    const store = new TelemetryStore({
      modeOfPod: (ns, pod) => registry.byPodName(ns, pod)?.mode,
      onEnergy: () => undefined,
      energyWindowMs: 10_000,
    });
    // Ten rollouts, each replacing both pods of a mode with new names.
    for (let rollout = 0; rollout < 10; rollout++) {
      const pods = [0, 1].map((i) => ({
        url: `http://10.0.${rollout}.${i}`,
        mode: rollout % 2 === 0 ? 'fp8' : 'int4',
        pod: `p-${rollout}-${i}`,
        namespace: 'ns',
        ready: true,
      }));
      registry.update(new Map([[pods[0]!.mode, pods]]));
      store.retain(registry.all());
      for (const p of pods)
        store.recordEngine(p.url, p.mode, { queueDepth: 0, generationTokens: 100 * rollout }, rollout);
      store.recordGpus(gpuReadingsOf(dcgm(1000 * rollout, 1000 * rollout, pods[0]!.pod)), rollout);
    }
    expect(store.size()).toEqual({ engines: 2, podGpus: 2, modes: 1 });
  });
});
