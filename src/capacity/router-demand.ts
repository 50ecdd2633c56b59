import type { LinearFit, ModeModel } from '../model/mode-model.js';
import { DemandWindows, noCounts, QUIET, type ModeCounts } from './demand.js';
import type { ModeDemand } from './planner.js';
import { parsePromText, type PromSample } from '../metrics/prom-text.js';
import type { FetchText } from '../metrics/fetch-text.js';
import { histogramSeries, LABEL, MODEL_FIT_METRIC, ROUTER_METRIC, TOKEN_KIND } from '../metrics/router-contract.js';

/** A mode's model as the routers fitted and published it: what the planner sizes with in place of the seed's lines. */
export interface PublishedFit {
  interToken: LinearFit;
  power: LinearFit;
}

/**
 * The model the planner sizes a mode with: the seed's lines replaced by those the routers fitted and publish
 * (router/learn/live-mode-models.ts), so routing and planning act on one fit; the seed where none was published. The
 * operator's capacity controller and the fleet replay both plan on it.
 */
export function plannedModel(seed: ModeModel, fit: PublishedFit | undefined): ModeModel {
  return fit ? { ...seed, interToken: fit.interToken, power: fit.power } : seed;
}

/** What the routers saw of one mode: its demand, and the model they fitted of it. */
export interface ModeObservation {
  demand: ModeDemand;
  /** Undefined until a router publishes one (a router of an older release, or none scraped yet). */
  fit?: PublishedFit;
}

/** Demand per mode of one policy, as the capacity controller plans on it. */
export interface DemandSource {
  demand(
    policyKey: string,
    routers: readonly RouterTarget[],
    nowSeconds: number,
  ): Promise<Map<string, ModeObservation>>;
  /** Drops what it keeps of a policy no longer planned (deleted, or without spec.capacity). */
  forget(policyKey: string): void;
}

/** One router pod's metrics endpoint. */
export interface RouterTarget {
  pod: string;
  url: string;
}

const TTFT = histogramSeries(ROUTER_METRIC.timeToFirstToken);
/** Each fitted-model gauge's name: the line and the term it is of. */
const FIT_TERMS = new Map<string, readonly [keyof PublishedFit, keyof LinearFit]>(
  (['interToken', 'power'] as const).flatMap((line) =>
    (['intercept', 'slope'] as const).map((term) => [MODEL_FIT_METRIC[line][term], [line, term] as const] as const),
  ),
);
const READ = new Set<string>([
  ROUTER_METRIC.requests,
  ROUTER_METRIC.wanted,
  ROUTER_METRIC.tokens,
  TTFT.bucket,
  TTFT.count,
  ROUTER_METRIC.queueDepth,
  ROUTER_METRIC.running,
  ...FIT_TERMS.keys(),
]);
const SCRAPE_TIMEOUT_MS = 2000;

/** One router pod's page, as the planner needs it. */
export interface RouterPage {
  counts: Map<string, ModeCounts>;
  /** Gauge: requests waiting and running in the mode's engines now. */
  inFlight: Map<string, number>;
  /** The fit's coefficients the page has, per mode. */
  fits: Map<string, Partial<Record<keyof PublishedFit, Partial<LinearFit>>>>;
}

function countsOf(page: RouterPage, mode: string): ModeCounts {
  let c = page.counts.get(mode);
  if (!c) page.counts.set(mode, (c = noCounts()));
  return c;
}

function add(page: RouterPage, mode: string, s: PromSample): void {
  const fitTerm = FIT_TERMS.get(s.name);
  if (fitTerm) {
    const [line, term] = fitTerm;
    const fit = page.fits.get(mode) ?? {};
    fit[line] = { ...fit[line], [term]: s.value };
    page.fits.set(mode, fit);
    return;
  }
  if (s.name === ROUTER_METRIC.queueDepth || s.name === ROUTER_METRIC.running) {
    page.inFlight.set(mode, (page.inFlight.get(mode) ?? 0) + s.value);
    return;
  }
  const c = countsOf(page, mode);
  if (s.name === ROUTER_METRIC.requests) c.requests += s.value;
  else if (s.name === ROUTER_METRIC.wanted) c.wanted += s.value;
  else if (s.name === TTFT.count) c.ttftCount += s.value;
  else if (s.name === TTFT.bucket) {
    const le = Number(s.labels[LABEL.le]);
    if (Number.isFinite(le)) c.ttftBuckets.set(le, (c.ttftBuckets.get(le) ?? 0) + s.value);
  } else if (s.labels[LABEL.kind] === TOKEN_KIND.prompt) c.promptTokens += s.value;
  else if (s.labels[LABEL.kind] === TOKEN_KIND.output) c.outputTokens += s.value;
}

/** The contract's series of one policy on a router's /metrics page (router/accounting/router-metrics.ts). */
export function readRouterPage(text: string, policyKey: string): RouterPage {
  const page: RouterPage = { counts: new Map(), inFlight: new Map(), fits: new Map() };
  for (const s of parsePromText(text, (n) => READ.has(n))) {
    const mode = s.labels[LABEL.mode];
    // The router labels every series with the policy's namespace/name, the same key the controller plans under.
    if (s.labels[LABEL.policy] === policyKey && mode !== undefined) add(page, mode, s);
  }
  return page;
}

/** The mean of the routers' fits of a mode (each router fits on its share of the requests); whole ones only. */
function meanFit(fits: readonly Partial<Record<keyof PublishedFit, Partial<LinearFit>>>[]): PublishedFit | undefined {
  const whole = fits.filter(
    (f): f is PublishedFit =>
      f.interToken?.intercept !== undefined &&
      f.interToken.slope !== undefined &&
      f.power?.intercept !== undefined &&
      f.power.slope !== undefined,
  );
  if (whole.length === 0) return undefined;
  const mean = (get: (f: PublishedFit) => number) => whole.reduce((s, f) => s + get(f), 0) / whole.length;
  return {
    interToken: { intercept: mean((f) => f.interToken.intercept), slope: mean((f) => f.interToken.slope) },
    power: { intercept: mean((f) => f.power.intercept), slope: mean((f) => f.power.slope) },
  };
}

/**
 * Demand from the routers' own /metrics (no Prometheus needed): every router pod of the policy is scraped and its
 * counters are one source of the policy's DemandWindows (demand.ts, the replay's too). Requests in flight (the
 * engines' waiting + running) are what every router reads of the same engines: the largest reading counts, not the
 * sum. Each mode's model is the one the routers fitted and publish (the mean over the routers that answered).
 */
export function routerMetricsDemand(fetchText: FetchText): DemandSource {
  const windows = new Map<string, DemandWindows>();
  return {
    async demand(policyKey, routers, nowSeconds) {
      let policyWindows = windows.get(policyKey);
      if (!policyWindows) windows.set(policyKey, (policyWindows = new DemandWindows()));
      const inFlight = new Map<string, number>();
      const fits = new Map<string, Partial<Record<keyof PublishedFit, Partial<LinearFit>>>[]>();
      const pages = await Promise.all(
        routers.map(async (r) => {
          try {
            return { pod: r.pod, page: readRouterPage(await fetchText(r.url, SCRAPE_TIMEOUT_MS), policyKey) };
          } catch {
            return undefined; // A router that does not answer adds nothing this round; its baseline stays.
          }
        }),
      );
      for (const p of pages) {
        if (!p) continue;
        policyWindows.observe(p.pod, nowSeconds, p.page.counts);
        for (const [mode, n] of p.page.inFlight) inFlight.set(mode, Math.max(inFlight.get(mode) ?? 0, n));
        for (const [mode, f] of p.page.fits) fits.set(mode, [...(fits.get(mode) ?? []), f]);
      }
      const out = new Map<string, ModeObservation>();
      for (const [mode, demand] of policyWindows.demand(nowSeconds, inFlight)) out.set(mode, { demand });
      for (const [mode, f] of fits) {
        const fit = meanFit(f);
        if (!fit) continue;
        out.set(mode, { demand: out.get(mode)?.demand ?? { ...QUIET }, fit });
      }
      return out;
    },
    forget(policyKey) {
      windows.delete(policyKey);
    },
  };
}
