import { readFileSync } from 'node:fs';
import { adapterRoutes } from '../../api/v1alpha1/adapters.js';
import { createLogger, type Logger } from '../../observability/logger.js';
import { loadPolicyFile } from '../../router/config/start-from-config.js';
import { fleetModesOf } from '../../model/policy-modes.js';
import { modelById } from '../../model/models.js';
import { qualityDeltaPoints } from '../../model/quality.js';
import { formatCapacitySection, simulateDemoCapacity } from './capacity.js';
import type { DemoOptions } from './options.js';
import { replayThroughRouter, type ReplayProgress } from './replay.js';
import { startDemoStack, type DemoStack } from './stack.js';
import { policyInSimulatedTime } from './simulated-policy.js';
import { formatDemoSummary, summariseDemo, type DemoSummary, type ModeEnergy } from './summary.js';
import { demoWorkload } from './workload.js';

export const BASELINE_MODE = 'fp16';

export interface DemoRun {
  stack: DemoStack;
  summary: DemoSummary;
  /** The summary as terminal lines. */
  lines: string[];
}

export interface StartDemoDeps {
  /** Where progress and headings go (one line each). */
  out: (line: string) => void;
  logger?: Logger;
}

function progressLine(p: ReplayProgress): string {
  const modes = [...p.byMode]
    .sort()
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
  return `  replay: ${p.sent}/${p.total} sent, ${p.done} answered${p.failed > 0 ? `, ${p.failed} failed` : ''}${modes ? ` | by mode: ${modes}` : ''}`;
}

/**
 * Starts the stack, replays the workload through the router, then switches the engines to real time and summarises:
 * first the fair comparison (ModeSwitch, serving the live router's choices, and always-FP16, both autoscaled to the
 * SLO, in simulated time), then what the live stack did. The stack is left running for the caller to serve from and
 * stop; it is stopped here if the replay fails.
 */
export async function startDemo(o: DemoOptions, deps: StartDemoDeps): Promise<DemoRun> {
  const logger = deps.logger ?? createLogger('demo', { level: 'warn' });
  const policy = loadPolicyFile(o.policyFile, (p) => readFileSync(p, 'utf8'));
  const modes = fleetModesOf(policy);
  // The policy's model, simulated: `demo --policy` with another model simulates that model, or says it is unknown.
  const modelSpec = modelById(policy.spec.model);
  const model = modelSpec.id;
  if (!modes.some((m) => m.name === BASELINE_MODE))
    throw new Error(`the policy has no "${BASELINE_MODE}" mode to compare against`);
  const requests = demoWorkload({
    trace: o.trace,
    durationSeconds: o.durationSeconds,
    seed: o.seed,
    ...(o.rate !== undefined ? { rate: o.rate } : {}),
  });
  if (requests.length === 0)
    throw new Error(
      `no request arrives in the first ${o.durationSeconds} s of the ${o.trace} trace; use a longer --duration`,
    );
  const gpuCount = modes.reduce((s, m) => s + m.replicas, 0);
  deps.out(
    `ModeSwitch demo: policy ${policy.metadata.namespace ?? 'default'}/${policy.metadata.name},` +
      ` modes ${modes.map((m) => m.name).join(', ')} on ${gpuCount} simulated ${o.gpu} GPUs`,
  );
  const stack = await startDemoStack({
    policy,
    modes,
    gpu: o.gpu,
    model,
    speedup: o.speedup,
    portBase: o.portBase,
    seed: o.seed,
    logger,
  });
  try {
    deps.out(
      `router: HTTP 127.0.0.1:${stack.ports.http}, gRPC 127.0.0.1:${stack.ports.grpc}, metrics 127.0.0.1:${stack.ports.metrics}; ` +
        `dcgm-exporter 127.0.0.1:${stack.ports.dcgm}`,
    );
    deps.out(
      `replaying ${requests.length} requests (${o.durationSeconds} s of the Azure ${o.trace === 'conv' ? 'conversation' : 'code'} ` +
        `trace, ${o.speedup}x faster than real time)`,
    );
    const energyAt = () =>
      stack.engines.map((e) => {
        const t = e.engine.telemetry();
        return { busyJoules: t.energyJoules - t.idleEnergyJoules, idleJoules: t.idleEnergyJoules };
      });
    const before = energyAt();
    const results = await replayThroughRouter({
      url: `http://127.0.0.1:${stack.ports.http}`,
      model: stack.servedModel,
      requests,
      speedup: o.speedup,
      onProgress: (p) => deps.out(progressLine(p)),
    });
    const after = energyAt();
    // Serving on after the replay is at the speed of the clients that try it: real time, so that dcgm-exporter's
    // energy counters rise at the rate its power gauges show (and the router's energy with them).
    for (const e of stack.engines) e.engine.setTimeScale(1);
    const energyByMode = new Map<string, ModeEnergy>();
    stack.engines.forEach((e, i) => {
      const sum = energyByMode.get(e.mode) ?? { busyJoules: 0, idleJoules: 0 };
      sum.busyJoules += after[i]!.busyJoules - before[i]!.busyJoules;
      sum.idleJoules += after[i]!.idleJoules - before[i]!.idleJoules;
      energyByMode.set(e.mode, sum);
    });
    const profiles = new Map(modes.map((m) => [m.name, m.profile]));
    const podsModeOf = (mode: string) => adapterRoutes(policy.spec.modes)[mode]?.podsOf ?? mode;
    const fleet = { policy, modes, baselineMode: BASELINE_MODE, requests, gpu: o.gpu, model, seed: o.seed };
    const summary = summariseDemo({
      results,
      speedup: o.speedup,
      energyByMode,
      podsModeOf,
      quality: (mode, type) => {
        const profile = profiles.get(mode);
        return profile ? qualityDeltaPoints(profile, type, modelSpec) : 0;
      },
    });
    // The requests the live router served, by the mode of the pods that served them (a failed one is left out).
    const routedModes = new Map(results.filter((r) => r.mode !== '').map((r) => [r.request.id, podsModeOf(r.mode)]));
    const capacity = simulateDemoCapacity({ ...fleet, staticGpus: gpuCount, routedModes });
    return {
      stack,
      summary,
      lines: [
        ...formatCapacitySection(capacity),
        '',
        ...formatDemoSummary(summary, policyInSimulatedTime(fleet), gpuCount),
      ],
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
