import { coldStart, COLD_START } from '../../src/model/cold-start.js';
import { GPUS, gpuById } from '../../src/model/gpus.js';
import { resolveMode } from '../../src/model/mode-presets.js';
import { modelById } from '../../src/model/models.js';

const h100 = gpuById('h100-80gb');
const llama8b = modelById('llama-3.1-8b-instruct');

describe('idle, parking and cold start', () => {
  it('a parked GPU (no process) draws less than one holding an idle engine, which draws less than the limit', () => {
    for (const gpu of Object.values(GPUS)) {
      expect(gpu.parkedWatts).toBeGreaterThan(0);
      expect(gpu.parkedWatts).toBeLessThan(gpu.idleWatts);
      expect(gpu.idleWatts).toBeLessThan(gpu.maxWatts);
    }
  });

  it('a full reload of an 8B mode takes the published 30-100 s, far longer than waking a sleeping engine', () => {
    const fromCache = coldStart(h100, llama8b, resolveMode('fp16'), 1, 'node-cache');
    const fromVolume = coldStart(h100, llama8b, resolveMode('fp16'), 1, 'volume');
    expect(fromCache.seconds).toBeGreaterThanOrEqual(30);
    expect(fromVolume.seconds).toBeLessThanOrEqual(100);
    expect(fromVolume.seconds).toBeGreaterThan(fromCache.seconds);
    expect(fromCache.seconds / COLD_START.sleepWakeSeconds).toBeGreaterThan(18);
  });

  it('a smaller checkpoint loads faster, and the energy is the loading GPUs at idle-engine power', () => {
    const fp16 = coldStart(h100, llama8b, resolveMode('fp16'), 1, 'volume');
    const int4 = coldStart(h100, llama8b, resolveMode('int4'), 1, 'volume');
    expect(int4.phases.weightLoad).toBeLessThan(fp16.phases.weightLoad / 2);
    expect(fp16.joules).toBeCloseTo(fp16.seconds * h100.idleWatts, 6);
    const tp2 = coldStart(h100, modelById('llama-3.1-70b-instruct'), resolveMode('fp8'), 2, 'node-cache');
    expect(tp2.joules).toBeCloseTo(tp2.seconds * h100.idleWatts * 2, 6);
  });
});
