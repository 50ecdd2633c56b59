/** One GPU's labels and readings for one scrape. */
export interface GpuReading {
  labels: GpuLabels;
  temperatureC: number;
  powerWatts: number;
  energyMilliJoules: number;
  utilPercent: number;
  fbFreeMiB: number;
  fbUsedMiB: number;
}

/** dcgm-exporter's label set, in its order; pod/namespace/container only when the GPU is mapped to a pod. */
export interface GpuLabels {
  gpu: string;
  UUID: string;
  pci_bus_id: string;
  device: string;
  modelName: string;
  Hostname: string;
  DCGM_FI_DRIVER_VERSION: string;
  container?: string;
  namespace?: string;
  pod?: string;
}

interface Field {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  value(r: GpuReading): string;
}

/** Field names, types and help texts as in dcgm-exporter's etc/default-counters.csv. */
export const DCGM_FIELDS: readonly Field[] = [
  {
    name: 'DCGM_FI_DEV_GPU_TEMP',
    type: 'gauge',
    help: 'GPU temperature (in C).',
    value: (r) => String(Math.round(r.temperatureC)),
  },
  { name: 'DCGM_FI_DEV_POWER_USAGE', type: 'gauge', help: 'Power draw (in W).', value: (r) => r.powerWatts.toFixed(6) },
  {
    name: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION',
    type: 'counter',
    help: 'Total energy consumption since boot (in mJ).',
    value: (r) => String(Math.floor(r.energyMilliJoules)),
  },
  {
    name: 'DCGM_FI_DEV_GPU_UTIL',
    type: 'gauge',
    help: 'GPU utilization (in %).',
    value: (r) => String(Math.round(r.utilPercent)),
  },
  {
    name: 'DCGM_FI_DEV_FB_FREE',
    type: 'gauge',
    help: 'Framebuffer memory free (in MiB).',
    value: (r) => String(Math.round(r.fbFreeMiB)),
  },
  {
    name: 'DCGM_FI_DEV_FB_USED',
    type: 'gauge',
    help: 'Framebuffer memory used (in MiB).',
    value: (r) => String(Math.round(r.fbUsedMiB)),
  },
];

const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function labelText(labels: GpuLabels): string {
  return Object.entries(labels)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}="${escape(String(v))}"`)
    .join(',');
}

/** Prometheus text exposition exactly as dcgm-exporter prints it: HELP and TYPE, then one line per GPU. */
export function renderDcgmMetrics(readings: readonly GpuReading[]): string {
  let out = '';
  for (const field of DCGM_FIELDS) {
    out += `# HELP ${field.name} ${field.help}\n# TYPE ${field.name} ${field.type}\n`;
    for (const r of readings) out += `${field.name}{${labelText(r.labels)}} ${field.value(r)}\n`;
  }
  return out;
}
