import type { BenchRow } from './rows.js';

export interface ChartInput {
  title: string;
  rows: readonly BenchRow[];
}

const BAR_H = 16;
const ROW_H = 46;
const LABEL_W = 170;
const PANEL_W = 300;
const GAP = 40;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Panel {
  heading: string;
  value: (r: BenchRow) => number;
  label: (r: BenchRow) => string;
  color: string;
  /** Value of a vertical reference line (the published result), or undefined. */
  target?: number;
}

function panel(p: Panel, rows: readonly BenchRow[], x0: number, y0: number): string {
  const max = Math.max(p.target ?? 0, ...rows.map((r) => Math.max(0, p.value(r))), 1e-9);
  const scale = (PANEL_W - 60) / max;
  const parts = [`<text x="${x0}" y="${y0 - 10}" font-weight="bold">${escape(p.heading)}</text>`];
  rows.forEach((r, i) => {
    const y = y0 + i * ROW_H + (ROW_H - BAR_H) / 2;
    const w = Math.max(0, p.value(r)) * scale;
    parts.push(
      `<rect x="${x0}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${r.kind === 'policy' ? '#d9480f' : p.color}"/>`,
    );
    parts.push(`<text x="${(x0 + w + 4).toFixed(1)}" y="${y + BAR_H - 4}">${escape(p.label(r))}</text>`);
  });
  if (p.target !== undefined) {
    const x = x0 + p.target * scale;
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${y0 - 4}" x2="${x.toFixed(1)}" y2="${y0 + rows.length * ROW_H}" stroke="#333" stroke-dasharray="4 3"/>`,
    );
  }
  return parts.join('\n');
}

/** Two bar panels per strategy (speed-up and energy saving against always-FP16), the policy highlighted. */
export function svgChart(input: ChartInput): string {
  const { rows } = input;
  const top = 60;
  const height = top + rows.length * ROW_H + 40;
  const width = LABEL_W + 2 * PANEL_W + GAP + 20;
  const labels = rows.map(
    (r, i) =>
      `<text x="${LABEL_W - 8}" y="${top + i * ROW_H + ROW_H / 2 + 4}" text-anchor="end">${escape(r.strategy)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(input.title)}</text>`,
    ...labels,
    panel(
      {
        heading: 'mean latency: times faster than always-FP16',
        value: (r) => r.latencySpeedup,
        label: (r) => `${r.latencySpeedup.toFixed(2)}x`,
        color: '#1971c2',
        target: 2.1,
      },
      rows,
      LABEL_W,
      top,
    ),
    panel(
      {
        heading: 'energy per output token saved (per request)',
        value: (r) => r.requestEnergySaving * 100,
        label: (r) => `${(r.requestEnergySaving * 100).toFixed(1)}% (pool ${(r.fleetEnergySaving * 100).toFixed(1)}%)`,
        color: '#2f9e44',
        target: 51.7,
      },
      rows,
      LABEL_W + PANEL_W + GAP,
      top,
    ),
    `<text x="10" y="${height - 12}" fill="#555">Dashed lines: the published single-GPU result (2.1x, 51.7%). Calibrated simulation, not a GPU measurement.</text>`,
    '</svg>',
  ].join('\n');
}
