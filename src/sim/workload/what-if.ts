import { createEngineCore } from '../engine/core.js';
import { resolveMode } from '../../model/mode-presets.js';
import { modelById } from '../../model/models.js';
import { qualityDeltaPoints } from '../../model/quality.js';
import type { RequestType } from '../../model/types.js';
import { runClosedLoop } from './closed-loop.js';

export interface WhatIfOptions {
  gpu: string;
  model: string;
  modes: readonly string[];
  concurrency: readonly number[];
  promptTokens: number;
  outputTokens: number;
  requests: number;
  requestType: RequestType;
  /** Sampling temperature of every request (0: greedy); lowers speculative acceptance. */
  temperature: number;
  /** GPUs per replica (vLLM --tensor-parallel-size). */
  tensorParallel: number;
  seed: number;
}

export interface WhatIfRow {
  mode: string;
  concurrency: number;
  meanLatencySeconds: number;
  meanTtftSeconds: number;
  outputTokensPerSecond: number;
  joulesPerOutputToken: number;
  qualityDeltaPoints: number;
}

/** Runs each mode at each concurrency in simulated time and reports what a user would compare. */
export function runWhatIf(o: WhatIfOptions): WhatIfRow[] {
  const rows: WhatIfRow[] = [];
  for (const name of o.modes) {
    const mode = resolveMode(name);
    for (const concurrency of o.concurrency) {
      const core = createEngineCore({
        gpu: o.gpu,
        model: o.model,
        mode,
        tensorParallel: o.tensorParallel,
        seed: o.seed,
        maxNumSeqs: Math.max(256, concurrency),
      });
      const s = runClosedLoop({
        core,
        concurrency,
        requests: Math.max(o.requests, concurrency),
        request: () => ({
          promptTokens: o.promptTokens,
          outputTokens: o.outputTokens,
          maxTokens: o.outputTokens,
          requestType: o.requestType,
          temperature: o.temperature,
        }),
      });
      rows.push({
        mode: name,
        concurrency,
        meanLatencySeconds: s.meanLatencySeconds,
        meanTtftSeconds: s.meanTtftSeconds,
        outputTokensPerSecond: s.outputTokensPerSecond,
        joulesPerOutputToken: s.joulesPerOutputToken,
        qualityDeltaPoints: qualityDeltaPoints(mode, o.requestType, modelById(o.model)),
      });
    }
  }
  return rows;
}

/** The line above the table: what ran (GPU, model, tensor parallelism, request shape). */
export function whatIfHeading(o: WhatIfOptions): string {
  return (
    `gpu ${o.gpu}  model ${o.model}  tensor-parallel ${o.tensorParallel}  ` +
    `prompt ${o.promptTokens}  output ${o.outputTokens}  type ${o.requestType}  temperature ${o.temperature}`
  );
}

export function formatWhatIf(rows: readonly WhatIfRow[]): string {
  const header = [
    'mode',
    'concurrency',
    'latency_s',
    'ttft_s',
    'tokens_per_s',
    'joules_per_token',
    'quality_delta_pts',
  ];
  const lines = rows.map((r) => [
    r.mode,
    String(r.concurrency),
    r.meanLatencySeconds.toFixed(3),
    r.meanTtftSeconds.toFixed(3),
    r.outputTokensPerSecond.toFixed(0),
    r.joulesPerOutputToken.toFixed(3),
    r.qualityDeltaPoints.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return (
    [header, ...lines]
      .map((l) =>
        l
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
