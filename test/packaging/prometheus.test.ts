/**
 * Every PromQL expression of the Grafana dashboard and of the alert rules, run by a real Prometheus that scraped a
 * real router (in front of simulated vLLM engines and dcgm-exporter) and the operator's metrics endpoint.
 * An expression that returns nothing here would show an empty panel to users.
 */
import { ALERTS_FILE, loadRules, selectorsOf } from './support/alert-rules.js';
import { dashboardQueries, expandGrafanaVariables, loadDashboard } from './support/dashboard.js';
import { startOperatorTarget, type OperatorTarget } from './support/operator-target.js';
import { queryInstant, waitForValue } from './support/prometheus-api.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus-server.js';
import { sendChatRequests, startRouterStack, type RouterStack } from './support/router-stack.js';

const RATE_INTERVAL = '1m';
/** Enough scrapes that every rate() window holds several samples. */
const MIN_SCRAPES = 6;
const MAX_TRAFFIC_ROUNDS = 200;

const queries = dashboardQueries(loadDashboard());
const rules = loadRules();

let stack: RouterStack | undefined;
let operator: OperatorTarget | undefined;
let prometheus: PrometheusServer | undefined;

function promUrl(): string {
  if (!prometheus) throw new Error('prometheus did not start');
  return prometheus.url;
}

/** Keeps requests flowing (one round of int4 outage for fallbacks) until `done` resolves or the round limit. */
async function driveTraffic(s: RouterStack, op: OperatorTarget, done: Promise<void>): Promise<void> {
  let finished = false;
  void done.finally(() => (finished = true));
  for (let round = 0; round < MAX_TRAFFIC_ROUNDS && !finished; round++) {
    s.engines.int4.setFault(round % 4 === 1 ? 'down' : null);
    const statuses = await sendChatRequests(s.httpUrl, 4);
    if (statuses.some((code) => code !== 200)) throw new Error(`router answered ${statuses.join(',')}`);
    op.reconcile();
    await new Promise((r) => setTimeout(r, 100));
  }
  s.engines.int4.setFault(null);
}

beforeAll(async () => {
  stack = await startRouterStack();
  operator = await startOperatorTarget();
  prometheus = await startPrometheus({
    targets: [
      { job: 'modeswitch-router', address: stack.metricsAddress },
      { job: 'modeswitch-operator', address: operator.metricsAddress },
    ],
    ruleFiles: [ALERTS_FILE],
  });
  const enoughData = Promise.all([
    waitForValue(prometheus.url, 'min(count_over_time(up{job=~"modeswitch-.*"}[1m]))', MIN_SCRAPES, 40_000),
    waitForValue(prometheus.url, 'min(count_over_time(modeswitch_fallbacks_total[1m]))', 3, 40_000),
  ]).then(() => undefined);
  await Promise.all([enoughData, driveTraffic(stack, operator, enoughData)]);
  // One more rule evaluation after the last scrape, so recorded series exist.
  await waitForValue(prometheus.url, 'count(modeswitch:energy_per_output_token_joules:rate1h)', 1, 10_000);
}, 90_000);

afterAll(async () => {
  await prometheus?.close();
  await operator?.close();
  await stack?.close();
});

describe('Grafana dashboard queries against a real Prometheus', () => {
  it('scraped both the router and the operator', async () => {
    // max_over_time: one slow scrape on a loaded machine must not make this flaky.
    const { samples } = await queryInstant(promUrl(), 'max by (job) (max_over_time(up[1m]))');
    expect(samples.map((s) => [s.metric['job'], s.value[1]]).sort()).toEqual([['modeswitch-operator', '1'], ['modeswitch-router', '1']]);
  });

  it.each(queries.map((q) => [q.panel, q.expr]))('panel "%s" returns data for %s', async (_panel, expr) => {
    const result = await queryInstant(promUrl(), expandGrafanaVariables(expr, RATE_INTERVAL));
    expect(result.error).toBeUndefined();
    expect(result.samples.length).toBeGreaterThan(0);
  });

  it('shows a positive, finite energy per output token for every mode that served requests', async () => {
    const expr = queries.find((q) => q.panel === 'Joules per output token by mode')?.expr ?? '';
    const { samples } = await queryInstant(promUrl(), expandGrafanaVariables(expr, RATE_INTERVAL));
    const byMode = Object.fromEntries(samples.map((s) => [s.metric['mode'], Number(s.value[1])]));
    expect(Object.keys(byMode).sort()).toEqual(['fp16', 'fp8', 'int4']);
    for (const value of Object.values(byMode)) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThan(0);
    }
  });
});

describe('alert and recording rules against a real Prometheus', () => {
  it('are all loaded and evaluate without errors', async () => {
    const body = (await (await fetch(`${promUrl()}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
    const loaded = body.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(rules.map((r) => r.alert ?? r.record).sort());
    expect(loaded.filter((r) => r.health !== 'ok')).toEqual([]);
  });

  it.each(rules.filter((r) => r.record).map((r) => [r.record, r.expr]))('recording rule %s returns data', async (_name, expr) => {
    const result = await queryInstant(promUrl(), expr as string);
    expect(result.samples.length).toBeGreaterThan(0);
  });

  it.each(rules.map((r) => [r.alert ?? r.record, r.expr]))('every series that %s reads exists', async (_name, expr) => {
    const selectors = selectorsOf(expr as string);
    expect(selectors.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const selector of selectors) {
      const { samples } = await queryInstant(promUrl(), `count(${selector})`);
      if (samples.length === 0) missing.push(selector);
    }
    expect(missing).toEqual([]);
  });
});
