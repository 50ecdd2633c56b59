import { dashboardQueries, loadDashboard } from './support/dashboard.js';

const dashboard = loadDashboard();
const queries = dashboardQueries(dashboard);
const titles = queries.map((q) => q.panel);

describe('Grafana dashboard', () => {
  it('has policy and mode variables fed from the router metrics', () => {
    const variables = dashboard.templating.list.map((v) => v.name);
    expect(variables).toEqual(['datasource', 'policy', 'mode']);
    expect(JSON.stringify(dashboard.templating.list)).toContain(
      'label_values(modeswitch_requests_total{policy=~\\"$policy\\"}, mode)',
    );
  });

  it.each([
    [
      'Joules per output token by mode',
      /rate\(modeswitch_energy_joules_total.*\/ sum by \(mode\) \(rate\(modeswitch_tokens_total\{.*kind="output"/,
    ],
    ['GPU power by mode', /modeswitch_gpu_power_watts/],
    ['Energy per hour by mode', /increase\(modeswitch_energy_joules_total.*\[1h\]/],
    ['Requests by mode', /modeswitch_requests_total/],
    ['Share of requests by mode', /group_left/],
    ['Rule hits', /modeswitch_rule_hits_total/],
    ['Fallbacks by reason', /by \(from, to, reason\).*modeswitch_fallbacks_total/],
    ['Request latency p50 / p95 by mode', /histogram_quantile\(0\.95, .*modeswitch_request_duration_seconds_bucket/],
    ['Time to first token p50 / p95 by mode', /modeswitch_time_to_first_token_seconds_bucket/],
    ['Queue depth by mode', /modeswitch_queue_depth/],
    ['KV-cache use by mode', /modeswitch_kv_cache_usage/],
    ['Telemetry age', /modeswitch_telemetry_age_seconds/],
    ['Ready pods by mode', /modeswitch_ready_pods/],
    ['Operator reconciles', /modeswitch_reconcile_errors_total/],
    ['Replicas per mode: desired and ready', /modeswitch_capacity_desired_replicas[\s\S]*modeswitch_ready_pods/],
    [
      'Pool joules per output token',
      /max by \(policy, mode\) \(rate\(modeswitch_energy_joules_total\{policy=~"\$policy"\}.*\/ sum by \(policy\) \(rate\(modeswitch_tokens_total\{policy=~"\$policy",kind="output"/,
    ],
    ['annotation Capacity changes', /changes\(modeswitch_capacity_desired_replicas/],
  ])('has the panel "%s"', (title, pattern) => {
    expect(titles).toContain(title);
    expect(
      queries
        .filter((q) => q.panel === title)
        .map((q) => q.expr)
        .join('\n'),
    ).toMatch(pattern);
  });

  it('filters every per-mode router query by the selected policy and mode', () => {
    const perMode = queries.filter((q) => /by \(mode/.test(q.expr));
    expect(perMode.length).toBeGreaterThan(5);
    for (const q of perMode)
      expect({ panel: q.panel, filtered: q.expr.includes('policy=~"$policy",mode=~"$mode"') }).toEqual({
        panel: q.panel,
        filtered: true,
      });
  });

  it('has a Capacity row: desired against ready replicas, the pool J/token, and where the planner says why', () => {
    const rowAt = dashboard.panels.findIndex((p) => p.type === 'row' && p.title === 'Capacity');
    expect(dashboard.panels.slice(rowAt + 1, rowAt + 4).map((p) => p.title)).toEqual([
      'Replicas per mode: desired and ready',
      'Pool joules per output token',
      'Why this many replicas',
    ]);
    const replicas = queries.filter((q) => q.panel === 'Replicas per mode: desired and ready');
    // Both sides keyed the same way (policy "namespace/name", mode), each counted once over router or operator pods.
    for (const q of replicas) expect(q.expr).toMatch(/^sum by \(mode\) \(max by \(policy, mode\) \(/);
    const pool = dashboard.panels.find((p) => p.title === 'Pool joules per output token');
    expect(pool?.description).toMatch(/idle and loading pods included/);
    expect(JSON.stringify(dashboard.panels[rowAt + 3])).toMatch(/capacityReason[\s\S]*get events/);
  });

  it('lays out panels without overlaps', () => {
    const cells = new Set<string>();
    const overlaps: string[] = [];
    for (const p of dashboard.panels) {
      for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          if (cells.has(`${x},${y}`)) overlaps.push(p.title);
          cells.add(`${x},${y}`);
        }
      }
    }
    expect([...new Set(overlaps)]).toEqual([]);
  });

  it('gives every panel a description, so readers know what they look at', () => {
    const undocumented = dashboard.panels.filter((p) => p.type !== 'row' && !p.description).map((p) => p.title);
    expect(undocumented).toEqual([]);
  });
});
