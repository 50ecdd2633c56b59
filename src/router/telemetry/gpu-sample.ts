import { parsePromText } from '../../metrics/prom-text.js';

/** One GPU as dcgm-exporter reports it, with the pod it is allocated to (when the exporter knows). */
export interface GpuReading {
  /** UUID, else the gpu index plus hostname: the identity of the energy counter. */
  gpu: string;
  pod?: string;
  namespace?: string;
  powerWatts?: number;
  /** 0..1 */
  utilization?: number;
  /** DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, millijoules since the driver loaded. */
  energyMillijoules?: number;
}

const FIELDS: Record<string, 'powerWatts' | 'utilization' | 'energyMillijoules'> = {
  DCGM_FI_DEV_POWER_USAGE: 'powerWatts',
  DCGM_FI_DEV_GPU_UTIL: 'utilization',
  DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION: 'energyMillijoules',
};

/** Readings per GPU from one dcgm-exporter page. */
export function gpuReadingsOf(text: string): GpuReading[] {
  const byGpu = new Map<string, GpuReading>();
  for (const s of parsePromText(text, (n) => n in FIELDS)) {
    // Watts, percent and an energy counter: an infinite or negative one is an exporter fault, read as not reported.
    if (!Number.isFinite(s.value) || s.value < 0) continue;
    const l = s.labels;
    const id = l['UUID'] ?? `${l['Hostname'] ?? ''}/${l['gpu'] ?? ''}`;
    let r = byGpu.get(id);
    if (!r) {
      r = { gpu: id };
      if (l['pod']) r.pod = l['pod'];
      if (l['namespace']) r.namespace = l['namespace'];
      byGpu.set(id, r);
    }
    const field = FIELDS[s.name] as 'powerWatts' | 'utilization' | 'energyMillijoules';
    r[field] = field === 'utilization' ? s.value / 100 : s.value;
  }
  return [...byGpu.values()];
}
