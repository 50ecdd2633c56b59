import { DEFAULT_CAPACITY, resolvePolicy, type ResolvedObjective } from '../../api/v1alpha1/defaults.js';
import { savingAgainst } from '../../replay/fleet-metrics.js';
import type { CapacityMetrics } from '../../replay/scaling/capacity-metrics.js';
import { compareCapacity } from '../../replay/scaling/capacity-strategies.js';
import { PLAN_INTERVAL_SECONDS } from '../../capacity/burst.js';
import type { CapacityBudget, ReplicaSample } from '../../replay/scaling/replay-scaled.js';
import type { ReplayCommon } from '../../replay/strategies.js';

/** Timeline columns at most: longer replays show evenly spaced planning steps, so a line fits a terminal. */
export const MAX_TIMELINE_COLUMNS = 12;

export interface DemoCapacityOptions extends Omit<ReplayCommon, 'onStrategy'> {
  /** GPUs the policy's static pool holds: the budget when the policy sets no spec.capacity. */
  staticGpus: number;
  /** The mode the live router chose per request id (pods' modes): ModeSwitch's pool serves exactly those. */
  routedModes?: ReadonlyMap<number, string>;
}

export interface AutoscaledPool {
  label: string;
  metrics: CapacityMetrics;
  /** Desired and ready replicas per mode at each planning step. */
  replicas: readonly ReplicaSample[];
}

export interface DemoCapacity {
  objective: ResolvedObjective;
  capacity: CapacityBudget;
  baseline: AutoscaledPool;
  modeswitch: AutoscaledPool;
  /** ModeSwitch served the live router's choices (true) or routed in the replay (false). */
  liveRouting: boolean;
}

/**
 * Always-FP16 and ModeSwitch, each autoscaled by the operator's capacity planner, replayed in simulated time on the
 * demo's requests (src/replay/scaling): the live demo serves a static pool, so this is what the same traffic would do
 * to replicas and pool energy. ModeSwitch serves the modes the live router chose (`routedModes`), so the timeline
 * wakes what live routing used; without them it routes by the policy's rules, then the objective. SLO and budget
 * are the policy's (spec.objective, spec.capacity); without spec.capacity the budget is the GPUs of its static pool.
 */
export function simulateDemoCapacity(o: DemoCapacityOptions): DemoCapacity {
  const resolved = resolvePolicy(o.policy);
  const capacity: CapacityBudget = resolved.capacity ?? { ...DEFAULT_CAPACITY, maxGpus: o.staticGpus };
  const results = compareCapacity({
    policy: o.policy,
    requests: o.requests,
    gpu: o.gpu,
    model: o.model,
    seed: o.seed,
    baselineMode: o.baselineMode,
    target: resolved.objective,
    qualityBudgetPoints: resolved.objective.qualityBudgetPoints,
    capacity,
    ...(o.routedModes ? { routedModes: o.routedModes } : {}),
  });
  const pool = (kind: string, label: string): AutoscaledPool => {
    const r = results.find((x) => x.kind === kind);
    if (!r?.run) throw new Error(`the capacity replay has no ${kind} strategy`);
    return { label, metrics: r.metrics, replicas: r.run.replicas };
  };
  return {
    objective: resolved.objective,
    capacity,
    baseline: pool('baseline', `always-${o.baselineMode.toUpperCase()}`),
    modeswitch: pool('modeswitch', 'ModeSwitch'),
    liveRouting: o.routedModes !== undefined,
  };
}

/** Indices of at most `max` evenly spaced items of `n`, first and last included. */
function spread(n: number, max: number): number[] {
  if (n <= max) return [...Array(n).keys()];
  return [...new Set([...Array(max).keys()].map((i) => Math.round((i * (n - 1)) / (max - 1))))];
}

function table(lines: string[][]): string[] {
  const widths = (lines[0] ?? []).map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines.map((l) =>
    l
      .map((c, i) => c.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd(),
  );
}

/** One row per strategy and mode: `desired/ready` replicas at each shown planning step. */
function timeline(pools: readonly AutoscaledPool[]): string[] {
  const times = [...new Set(pools.flatMap((p) => p.replicas.map((s) => s.t)))].sort((a, b) => a - b);
  const shown = spread(times.length, MAX_TIMELINE_COLUMNS).map((i) => times[i] as number);
  const rows = pools.flatMap((p) => {
    const modes = [...new Set(p.replicas.map((s) => s.mode))];
    return modes.map((mode) => {
      const at = new Map(p.replicas.filter((s) => s.mode === mode).map((s) => [s.t, s]));
      return [
        p.label,
        mode,
        ...shown.map((t) => {
          const s = at.get(t);
          return s ? `${s.desired}/${s.ready}` : '—';
        }),
      ];
    });
  });
  return table([['replicas desired/ready', 'mode', ...shown.map((t) => `${Math.round(t)}s`)], ...rows]);
}

function lessOrMore(saving: number): string {
  return `${(Math.abs(saving) * 100).toFixed(1)}% ${saving < 0 ? 'more' : 'less'}`;
}

/** The fair comparison, first line of the demo's summary: both pools autoscaled to the same SLO. */
export function headline(c: DemoCapacity): string {
  const saving = savingAgainst(
    c.baseline.metrics.fleetJoulesPerOutputToken,
    c.modeswitch.metrics.fleetJoulesPerOutputToken,
  );
  const slo = (p: AutoscaledPool) => `${(p.metrics.sloAttainment * 100).toFixed(1)}%`;
  return (
    `ModeSwitch vs ${c.baseline.label}, both autoscaled: ${lessOrMore(saving)} pool energy per output token ` +
    `(SLO met ${slo(c.modeswitch)} vs ${slo(c.baseline)}; simulated, below).`
  );
}

/** The capacity section of the demo summary, labelled as simulated; it opens with the headline. */
export function formatCapacitySection(c: DemoCapacity): string[] {
  const f = (x: number) => x.toFixed(3);
  const itl = `${c.objective.interToken.statistic} inter-token ≤ ${c.objective.interToken.seconds} s`;
  const pools = [c.baseline, c.modeswitch];
  return [
    headline(c),
    '',
    `Capacity, simulated: the same requests replayed in simulated time with every mode autoscaled by the capacity planner`,
    `(every ${PLAN_INTERVAL_SECONDS} s; SLO p95 TTFT ≤ ${c.objective.ttftP95Seconds} s, ${itl}; ` +
      `quality budget ${c.objective.qualityBudgetPoints} points; at most ${c.capacity.maxGpus} GPUs).`,
    '',
    ...timeline(pools),
    '',
    ...table([
      ['autoscaled pool', 'GPU hours', 'J/output token (pool)', 'SLO met'],
      ...pools.map((p) => [
        p.label,
        p.metrics.gpuHours.toFixed(3),
        f(p.metrics.fleetJoulesPerOutputToken),
        `${(p.metrics.sloAttainment * 100).toFixed(1)}%`,
      ]),
    ]),
    'Pool = every GPU held, loading and idle included, over all output tokens; a new replica loads weights before it is ready.',
    c.liveRouting
      ? 'ModeSwitch serves the mode the live router chose for each request, its pool sized by the planner; docs/capacity.md.'
      : "ModeSwitch routes by the policy's rules, then the objective; docs/capacity.md.",
  ];
}
