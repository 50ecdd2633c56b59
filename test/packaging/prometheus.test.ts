/**
 * Every PromQL expression of the Grafana dashboard and of the alert rules, run by a real Prometheus that scraped a
 * real router (in front of simulated vLLM engines and dcgm-exporter) and the operator's metrics endpoint, whose
 * capacity controller plans the router's policy from the router's own metrics.
 * An expression that returns nothing here would show an empty panel to users.
 */
import type { InferenceModePolicy } from '../../src/api/v1alpha1/types.js';
import { ALERTS_FILE, loadRules, selectorsOf } from './support/alert-rules.js';
import { dashboardQueries, expandGrafanaVariables, loadDashboard } from './support/dashboard.js';
import { startOperatorTarget, type OperatorTarget } from './support/operator-target.js';
import { queryInstant, waitForValue, type Sample } from './support/prometheus-api.js';
import { startPrometheus, type PrometheusServer } from './support/prometheus-server.js';
import { sendChatRequests, stackPolicy, startRouterStack, type RouterStack } from './support/router-stack.js';

const RATE_INTERVAL = '1m';
/** Enough scrapes that every rate() window holds several samples. */
const MIN_SCRAPES = 6;
const MAX_TRAFFIC_ROUNDS = 200;
/** The capacity policy's GPU budget: the stack's three modes may hold three GPUs together. */
const MAX_GPUS = 3;

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

/** The stack's policy with every mode autoscaled (no fixed replicas) within MAX_GPUS. */
function capacityPolicy(): InferenceModePolicy {
  const policy = stackPolicy();
  return { ...policy, spec: { ...policy.spec, capacity: { maxGpus: MAX_GPUS } } };
}

async function query(expr: string): Promise<Sample[]> {
  return (await queryInstant(promUrl(), expandGrafanaVariables(expr, RATE_INTERVAL))).samples;
}

beforeAll(async () => {
  stack = await startRouterStack();
  operator = await startOperatorTarget({
    capacity: { policy: capacityPolicy(), routerMetricsAddress: stack.metricsAddress },
  });
  prometheus = await startPrometheus({
    targets: [
      { job: 'modeswitch-router', address: stack.metricsAddress },
      { job: 'modeswitch-router', address: stack.idleMetricsAddress },
      { job: 'modeswitch-operator', address: operator.metricsAddress },
    ],
    ruleFiles: [ALERTS_FILE],
  });
  // Before any traffic the planner holds every mode at zero; Prometheus scrapes that, so the wake-up is a change.
  operator.reconcile();
  await waitForValue(prometheus.url, 'count(modeswitch_capacity_desired_replicas == 0)', 3, 20_000);
  const enoughData = Promise.all([
    waitForValue(prometheus.url, 'min(count_over_time(up{job=~"modeswitch-.*"}[1m]))', MIN_SCRAPES, 40_000),
    waitForValue(prometheus.url, 'min(count_over_time(modeswitch_fallbacks_total[1m]))', 3, 40_000),
    // The planner wakes modes once it has seen the traffic; the Capacity tests assert it, so only they fail if not.
    waitForValue(prometheus.url, 'count(modeswitch_capacity_desired_replicas > 0)', 1, 20_000).catch(() => undefined),
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
    expect(samples.map((s) => [s.metric['job'], s.value[1]]).sort()).toEqual([
      ['modeswitch-operator', '1'],
      ['modeswitch-router', '1'],
    ]);
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

describe('two router replicas reading the same GPUs and engines', () => {
  const exprOf = (panel: string) =>
    expandGrafanaVariables(queries.find((q) => q.panel === panel)?.expr ?? '', RATE_INTERVAL);

  it("count each mode's energy and power once: as the router that served the traffic sees them, not twice that", async () => {
    const served = `instance="${stack?.metricsAddress}"`;
    // One expression, so both sides are evaluated at the same instant. The two routers sample the same energy counter
    // a scrape apart, so the ratio is near 1; a sum over both routers would make it 2.
    const alone = `sum by (mode) (rate(modeswitch_energy_joules_total{${served}}[${RATE_INTERVAL}])) / sum by (mode) (rate(modeswitch_tokens_total{kind="output"}[${RATE_INTERVAL}]))`;
    const ratios = await query(`(${exprOf('Joules per output token by mode')}) / (${alone})`);
    expect(ratios.map((s) => s.metric['mode']).sort()).toEqual(['fp16', 'fp8', 'int4']);
    for (const s of ratios)
      expect({ mode: s.metric['mode'], once: Math.abs(Number(s.value[1]) - 1) < 0.5 }).toEqual({
        mode: s.metric['mode'],
        once: true,
      });
    const power = await query(`(${exprOf('GPU power')}) / sum(modeswitch_gpu_power_watts{${served}})`);
    expect(Math.abs(Number(power[0]?.value[1]) - 1)).toBeLessThan(0.5);
  });
});

describe('the Capacity row against a real Prometheus', () => {
  const exprsOf = (panel: string) => queries.filter((q) => q.panel === panel).map((q) => q.expr);

  it('shows desired replicas from the operator against ready pods from the router, for the same modes', async () => {
    const [desiredExpr, readyExpr] = exprsOf('Replicas per mode: desired and ready');
    const desired = await query(desiredExpr ?? '');
    const ready = await query(readyExpr ?? '');
    const byMode = (samples: Sample[]): Record<string, number> =>
      Object.fromEntries(samples.map((s) => [s.metric['mode'], Number(s.value[1])]));
    // Every mode of the policy is autoscaled here: both sides name the same three modes of "llm/llama".
    expect(Object.keys(byMode(desired)).sort()).toEqual(['fp16', 'fp8', 'int4']);
    expect(Object.keys(byMode(ready)).sort()).toEqual(['fp16', 'fp8', 'int4']);
    const wanted = Object.values(byMode(desired));
    for (const n of wanted) expect(Number.isInteger(n) && n >= 0 && n <= MAX_GPUS).toBe(true);
    expect(wanted.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_GPUS);
    // The planner saw the router's traffic: some mode wants a replica.
    expect(Math.max(...wanted)).toBeGreaterThanOrEqual(1);
  });

  it('marks the planner waking modes from zero as a Capacity change', async () => {
    const [expr] = exprsOf('annotation Capacity changes');
    const changed = await query(expr ?? '');
    expect(changed.map((s) => s.metric['policy'])).toContain('llm/llama');
  });

  it('gives the pool J/token of the policy, between its cheapest and dearest mode', async () => {
    const pool = await query(exprsOf('Pool joules per output token')[0] ?? '');
    expect(pool.map((s) => s.metric['policy'])).toEqual(['llm/llama']);
    const poolJoules = Number(pool[0]?.value[1]);
    // Over all modes the ratio is the per-mode ratios weighted by tokens, so it lies between them.
    const perMode = (await query(exprsOf('Joules per output token by mode')[0] ?? '')).map((s) => Number(s.value[1]));
    expect(poolJoules).toBeGreaterThanOrEqual(Math.min(...perMode) * 0.999);
    expect(poolJoules).toBeLessThanOrEqual(Math.max(...perMode) * 1.001);
  });
});

describe('alert and recording rules against a real Prometheus', () => {
  it('are all loaded and evaluate without errors', async () => {
    const body = (await (await fetch(`${promUrl()}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
    };
    const loaded = body.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(rules.map((r) => r.alert ?? r.record).sort());
    expect(loaded.filter((r) => r.health !== 'ok')).toEqual([]);
  });

  it.each(rules.filter((r) => r.record).map((r) => [r.record, r.expr]))(
    'recording rule %s returns data',
    async (_name, expr) => {
      const result = await queryInstant(promUrl(), expr as string);
      expect(result.samples.length).toBeGreaterThan(0);
    },
  );

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
