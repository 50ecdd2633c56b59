import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { createEngineCore } from '../../src/sim/engine/core.js';
import { startSimEngine, type SimEngine } from '../../src/sim/engine/server.js';
import { startDcgmExporter, type DcgmExporter } from '../../src/sim/dcgm/exporter.js';
import { gpuSourceFromCore, gpuSourceFromEngine } from '../../src/sim/dcgm/gpu-source.js';
import { resolveMode } from '../../src/model/mode-presets.js';
import { gpuById } from '../../src/model/gpus.js';
import { createLogger } from '../../src/observability/logger.js';

const quiet = createLogger('sim-test', { level: 'error' });
const core = createEngineCore({
  gpu: 'h100-80gb',
  model: 'llama-3.1-70b',
  mode: resolveMode('fp8'),
  tensorParallel: 2,
});
let engine: SimEngine;
let exporter: DcgmExporter;

beforeAll(async () => {
  engine = await startSimEngine({
    mode: 'int4-awq',
    gpu: 'a100-80gb',
    port: 0,
    timeScale: 100,
    podName: 'llama-int4-7c9d',
    namespace: 'llm',
    logger: quiet,
  });
  exporter = await startDcgmExporter({
    sources: [gpuSourceFromEngine(engine), gpuSourceFromCore(core)],
    port: 0,
    hostname: 'gpu-node-1',
    logger: quiet,
  });
});
afterAll(async () => {
  await exporter.close();
  await engine.close();
});

const families = (text: string) => new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
const value = (text: string, name: string, gpu: string) =>
  Number(
    families(text)
      .get(name)!
      .metrics.find((m) => m.labels?.['gpu'] === gpu)!.value,
  );

describe('simulated dcgm-exporter', () => {
  it('serves dcgm-exporter names, types, units and labels for every simulated GPU', async () => {
    const res = await fetch(`${exporter.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(
      '# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).\n# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter\n',
    );
    const byName = families(text);
    const types: Record<string, string> = {
      DCGM_FI_DEV_POWER_USAGE: 'GAUGE',
      DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION: 'COUNTER',
      DCGM_FI_DEV_GPU_UTIL: 'GAUGE',
      DCGM_FI_DEV_FB_USED: 'GAUGE',
      DCGM_FI_DEV_FB_FREE: 'GAUGE',
      DCGM_FI_DEV_GPU_TEMP: 'GAUGE',
    };
    for (const [name, type] of Object.entries(types)) {
      expect(byName.get(name)?.type).toBe(type);
      expect(byName.get(name)?.metrics).toHaveLength(3);
    }
    const power = byName.get('DCGM_FI_DEV_POWER_USAGE')!.metrics;
    expect(power[0]!.labels).toEqual({
      gpu: '0',
      UUID: expect.stringMatching(/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-/),
      pci_bus_id: expect.any(String),
      device: 'nvidia0',
      modelName: 'NVIDIA A100-SXM4-80GB',
      Hostname: 'gpu-node-1',
      DCGM_FI_DRIVER_VERSION: expect.any(String),
      container: 'vllm',
      namespace: 'llm',
      pod: 'llama-int4-7c9d',
    });
    // The tensor-parallel core has two H100s and no pod mapping.
    expect(power.slice(1).map((m) => [m.labels?.['device'], m.labels?.['modelName'], m.labels?.['pod']])).toEqual([
      ['nvidia1', 'NVIDIA H100 80GB HBM3', undefined],
      ['nvidia2', 'NVIDIA H100 80GB HBM3', undefined],
    ]);
    expect(value(text, 'DCGM_FI_DEV_FB_USED', '0')).toBeGreaterThan(0.85 * 80 * 1024);
  });

  it('counts energy in mJ as simulated time passes, and power stays between idle and the board limit', () => {
    const before = exporter.scrape();
    core.submit({ id: 'x', promptTokens: 2000, outputTokens: 400, maxTokens: 400 }, () => undefined);
    core.advanceTo(core.now() + 5);
    const after = exporter.scrape();
    const h100 = gpuById('h100-80gb');
    const joules =
      (value(after, 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', '1') -
        value(before, 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', '1')) /
      1000;
    expect(joules).toBeGreaterThan(h100.idleWatts * 5);
    expect(joules).toBeLessThan(h100.maxWatts * 5);
    const watts = value(after, 'DCGM_FI_DEV_POWER_USAGE', '1');
    expect(watts).toBeCloseTo(joules / 5, 0);
    expect(value(after, 'DCGM_FI_DEV_GPU_UTIL', '1')).toBeGreaterThan(50);
    expect(value(after, 'DCGM_FI_DEV_GPU_TEMP', '1')).toBeGreaterThan(30);
  });

  it('simulates a counter reset (driver reload): energy restarts near zero and grows again', () => {
    core.advanceTo(core.now() + 1);
    const high = value(exporter.scrape(), 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', '2');
    exporter.reset(2);
    const low = value(exporter.scrape(), 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', '2');
    expect(low).toBeLessThan(high);
    expect(low).toBeLessThan(1000);
    core.advanceTo(core.now() + 1);
    expect(value(exporter.scrape(), 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', '2')).toBeGreaterThan(low);
    expect(value(exporter.scrape(), 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', '1')).toBeGreaterThan(high / 2);
  });

  it('drops connections while unreachable and serves again afterwards', async () => {
    exporter.setUnreachable(true);
    await expect(fetch(`${exporter.url}/metrics`)).rejects.toThrow();
    exporter.setUnreachable(false);
    expect((await fetch(`${exporter.url}/metrics`)).status).toBe(200);
  });
});
