import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { temperatureC } from '../../model/power.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { renderDcgmMetrics, type GpuLabels, type GpuReading } from './format.js';
import type { DcgmGpuSource } from './gpu-source.js';

export interface DcgmExporterOptions {
  sources: readonly DcgmGpuSource[];
  host?: string;
  /** dcgm-exporter listens on 9400. */
  port?: number;
  hostname?: string;
  driverVersion?: string;
  logger?: Logger;
}

export interface DcgmExporter {
  readonly url: string;
  readonly port: number;
  /** Restarts energy counters near zero, as a driver reload does (one GPU by index, or all). */
  reset(gpuIndex?: number): void;
  /** While true, every connection is dropped without a response. */
  setUnreachable(unreachable: boolean): void;
  /** The exposition text for the current simulated time (also what GET /metrics returns). */
  scrape(): string;
  close(): Promise<void>;
}

/** Readings shorter than this use the instantaneous value, not the average since the last scrape. */
const MIN_WINDOW_SECONDS = 0.05;

interface GpuState {
  source: DcgmGpuSource;
  labels: GpuLabels;
  offsetJoules: number;
  last?: { t: number; energy: number; busy: number };
}

function uuidFor(hostname: string, index: number): string {
  const h = createHash('sha1').update(`${hostname}/${index}`).digest('hex');
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function buildStates(options: DcgmExporterOptions): GpuState[] {
  const hostname = options.hostname ?? 'sim-gpu-node';
  const states: GpuState[] = [];
  for (const source of options.sources) {
    for (let i = 0; i < source.gpuCount; i += 1) {
      const index = states.length;
      const labels: GpuLabels = {
        gpu: String(index),
        UUID: uuidFor(hostname, index),
        pci_bus_id: `00000000:${(0x18 + index * 0x10).toString(16).toUpperCase().padStart(2, '0')}:00.0`,
        device: `nvidia${index}`,
        modelName: source.gpu.modelName,
        Hostname: hostname,
        DCGM_FI_DRIVER_VERSION: options.driverVersion ?? '550.54.15',
      };
      if (source.pod)
        Object.assign(labels, {
          container: source.container ?? '',
          namespace: source.namespace ?? 'default',
          pod: source.pod,
        });
      states.push({ source, labels, offsetJoules: 0 });
    }
  }
  return states;
}

function read(state: GpuState): GpuReading {
  const { source } = state;
  const tel = source.telemetry();
  const energy = tel.energyJoules / source.gpuCount;
  const busy = tel.busySeconds;
  const last = state.last;
  const dt = last ? tel.timeSeconds - last.t : 0;
  const windowed = last !== undefined && dt >= MIN_WINDOW_SECONDS;
  const power = windowed ? (energy - last.energy) / dt : tel.powerWattsPerGpu;
  const util = windowed ? ((busy - last.busy) / dt) * 100 : tel.powerWattsPerGpu > source.gpu.idleWatts ? 100 : 0;
  if (!last || windowed) state.last = { t: tel.timeSeconds, energy, busy };
  const totalMiB = source.gpu.memoryGiB * 1024;
  return {
    labels: state.labels,
    temperatureC: temperatureC(source.gpu, power),
    powerWatts: power,
    energyMilliJoules: Math.max(0, energy - state.offsetJoules) * 1000,
    utilPercent: Math.min(100, Math.max(0, util)),
    fbUsedMiB: source.framebufferUsedMiB,
    fbFreeMiB: totalMiB - source.framebufferUsedMiB,
  };
}

/** Starts a dcgm-exporter look-alike serving GET /metrics for the GPUs of the given engines. */
export async function startDcgmExporter(options: DcgmExporterOptions): Promise<DcgmExporter> {
  const logger = options.logger ?? createLogger('sim-dcgm');
  const states = buildStates(options);
  let unreachable = false;
  const scrape = (): string => renderDcgmMetrics(states.map(read));

  const server: Server = createServer((req, res) => {
    if (unreachable) {
      req.socket.destroy();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(scrape());
    } else if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9400, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  logger.info('simulated dcgm-exporter listening', { host, port, gpus: states.length });

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    reset(gpuIndex) {
      states.forEach((s, i) => {
        if (gpuIndex !== undefined && i !== gpuIndex) return;
        s.offsetJoules = s.source.telemetry().energyJoules / s.source.gpuCount;
      });
    },
    setUnreachable(value) {
      unreachable = value;
      if (value) server.closeAllConnections();
    },
    scrape,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
