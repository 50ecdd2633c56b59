import { parseDurationMs, resolvePolicy, DEFAULT_ENGINE_IMAGE } from '../../../src/api/v1alpha1/defaults.js';
import { clone, loadExample } from '../../support/policies.js';

describe('resolvePolicy', () => {
  const policy = loadExample();

  it('fills engine defaults into every mode and keeps mode overrides', () => {
    const p = clone(policy);
    p.spec.modes[1]!.gpus = 2;
    p.spec.modes[1]!.nodeSelector = { zone: 'b' };
    const r = resolvePolicy(p);
    const fp16 = r.modes.find((m) => m.name === 'fp16')!;
    expect(fp16).toMatchObject({
      replicas: 1,
      gpus: 1,
      gpuResource: 'nvidia.com/gpu',
      image: DEFAULT_ENGINE_IMAGE,
      weights: p.spec.model,
      prefixCaching: false,
    });
    expect(fp16.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    const fp8 = r.modes.find((m) => m.name === 'fp8')!;
    expect(fp8.gpus).toBe(2);
    expect(fp8.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', zone: 'b' });
  });

  it('lets a mode replace an engine env var and extend engine args', () => {
    const p = clone(policy);
    p.spec.engine = {
      ...p.spec.engine,
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '1' },
      ],
      extraArgs: ['--x'],
    };
    p.spec.modes[0]!.env = [{ name: 'B', value: '2' }];
    p.spec.modes[0]!.extraArgs = ['--y'];
    const m = resolvePolicy(p).modes[0]!;
    expect(m.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    expect(m.extraArgs).toEqual(['--x', '--y']);
  });

  it('defaults guards, telemetry and router settings', () => {
    const p = clone(policy);
    delete p.spec.routing.guards;
    delete p.spec.telemetry;
    delete p.spec.router;
    const r = resolvePolicy(p);
    expect(r.routing.guards).toEqual({ maxQueueDepth: 32, maxKvCacheUsage: 0.95, telemetryMaxAgeSeconds: 5 });
    expect(r.telemetry).toEqual({
      dcgmExporter: { namespace: 'gpu-operator', service: 'nvidia-dcgm-exporter', port: 9400, path: '/metrics' },
      intervalMs: 1000,
    });
    expect(r.router).toMatchObject({ replicas: 2, grpcPort: 9000, httpPort: 8080, metricsPort: 9090 });
    expect(r.namespace).toBe('llm');
  });

  it('parses durations and rejects malformed ones', () => {
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('2s')).toBe(2000);
    expect(parseDurationMs('1m')).toBe(60000);
    expect(() => parseDurationMs('1h')).toThrow(/invalid duration "1h"/);
  });
});
