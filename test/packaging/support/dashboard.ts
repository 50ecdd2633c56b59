import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_DIR } from './paths.js';

interface Target {
  expr?: string;
  legendFormat?: string;
}

interface Panel {
  id?: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  annotations: { list: { name: string; expr?: string }[] };
  templating: { list: { name: string; type: string; query?: unknown; allValue?: string }[] };
}

export interface PanelQuery {
  panel: string;
  expr: string;
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(join(CHART_DIR, 'dashboards/modeswitch-dashboard.json'), 'utf8')) as Dashboard;
}

/**
 * Every PromQL expression of every panel (rows included), labelled with its panel title, and of every annotation,
 * labelled `annotation <name>`.
 */
export function dashboardQueries(dashboard: Dashboard): PanelQuery[] {
  const walk = (panels: Panel[]): PanelQuery[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr ?? '' })),
      ...walk(p.panels ?? []),
    ]);
  const annotations = dashboard.annotations.list
    .filter((a) => a.expr)
    .map((a) => ({ panel: `annotation ${a.name}`, expr: a.expr ?? '' }));
  return [...walk(dashboard.panels), ...annotations];
}

/**
 * Replaces the Grafana variables the dashboard uses with what Grafana sends when "All" is selected, so the
 * expression can be run by Prometheus directly.
 */
export function expandGrafanaVariables(expr: string, rateInterval: string): string {
  return expr.replaceAll('$__rate_interval', rateInterval).replaceAll('$policy', '.*').replaceAll('$mode', '.*');
}
