import type { FetchText } from '../../metrics/fetch-text.js';
import type { Logger } from '../../observability/logger.js';
import type { PodRecord } from '../pods/endpoint.js';
import { engineSampleOf } from './engine-sample.js';
import { gpuReadingsOf } from './gpu-sample.js';
import type { TelemetryStore } from './telemetry-store.js';

export interface ScraperOptions {
  store: TelemetryStore;
  fetchText: FetchText;
  /** The pods to scrape each round (their vLLM /metrics). */
  pods: () => readonly PodRecord[];
  dcgmUrls: readonly string[];
  intervalMs: number;
  now: () => number;
  logger: Logger;
}

export type TelemetrySource = 'vllm' | 'dcgm';

/** Scrapes every engine and exporter once per interval, off the request path. */
export class Scraper {
  private timer: NodeJS.Timeout | undefined;
  private lastSuccess: Record<TelemetrySource, number | undefined> = { vllm: undefined, dcgm: undefined };
  private failing = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(private readonly o: ScraperOptions) {}

  start(): void {
    const tick = () => {
      this.running = this.scrapeOnce().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.o.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Seconds since the last successful scrape of each source; undefined before the first. */
  ageSeconds(source: TelemetrySource): number | undefined {
    const at = this.lastSuccess[source];
    return at === undefined ? undefined : (this.o.now() - at) / 1000;
  }

  /** One round; never rejects (a failed target keeps its old, ageing readings). */
  async scrapeOnce(): Promise<void> {
    const timeout = Math.max(100, this.o.intervalMs);
    const engines = this.o.pods().map(async (p) => {
      const text = await this.fetch(p.url.replace(/\/$/, '') + '/metrics', timeout);
      if (text === undefined) return;
      const at = this.o.now();
      this.o.store.recordEngine(p.url, p.mode, engineSampleOf(text), at);
      this.lastSuccess.vllm = at;
    });
    const exporters = this.o.dcgmUrls.map(async (url) => {
      const text = await this.fetch(url, timeout);
      if (text === undefined) return;
      const at = this.o.now();
      this.o.store.recordGpus(gpuReadingsOf(text), at);
      this.lastSuccess.dcgm = at;
    });
    await Promise.all([...engines, ...exporters]);
  }

  private async fetch(url: string, timeoutMs: number): Promise<string | undefined> {
    try {
      const text = await this.o.fetchText(url, timeoutMs);
      if (this.failing.delete(url)) this.o.logger.info('telemetry target recovered', { url });
      return text;
    } catch (err) {
      // Log the first failure only: an unreachable exporter would otherwise flood the log every interval.
      if (!this.failing.has(url)) {
        this.failing.add(url);
        this.o.logger.warn('telemetry target unreachable; its values will age into unknown', {
          url,
          error: (err as Error).message,
        });
      }
      return undefined;
    }
  }
}
