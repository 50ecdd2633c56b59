/**
 * Checks of what each mode asks vLLM to do, against the argument table of the vLLM release its image runs
 * (vllm-cli.ts), and of adapter modes against the modes they sit on. A policy naming an image without saying which
 * vLLM it runs cannot be checked: that is a warning, not a refusal.
 */
import { engineImageOf } from './defaults.js';
import { perBatchSizeProblems } from './speculative-schedule.js';
import type { Problem } from './problem.js';
import type { EngineSpec, InferenceModePolicy, ModeSpec, SpeculativeSpec } from './types.js';
import {
  checkKvCacheDtype,
  checkQuantization,
  checkServeArgs,
  checkSpeculativeKeys,
  checkSpeculativeMethod,
  cliTableFor,
  knownVllmVersions,
  PINNED_VLLM,
  type VllmCliTable,
} from './vllm-cli.js';
import { SPECULATIVE_KEYS } from './vllm-flags.js';

export interface EngineFindings {
  problems: Problem[];
  warnings: Problem[];
}

/** Fields an adapter served on another mode's pods may set; everything else belongs to the base mode. */
const ADAPTER_ON_BASE_FIELDS = new Set(['name', 'adapter', 'domains']);

const ALLOW_DEPRECATED_QUANTIZATION = '--allow-deprecated-quantization';

export function engineFindings(policy: InferenceModePolicy): EngineFindings {
  const { spec } = policy;
  const engine = spec.engine ?? {};
  const findings: EngineFindings = { problems: [], warnings: [] };
  const warned = new Set<string>();
  /** The table for a mode's pods; a warning (once per place the image is named) when there is none. */
  const tableAt = (mode: ModeSpec, path: string): VllmCliTable | undefined => {
    const { image, vllmVersion } = engineImageOf(mode, engine);
    const table = vllmVersion === undefined ? undefined : cliTableFor(vllmVersion);
    const owner = mode.image === undefined ? 'spec.engine' : path;
    const at = `${owner}.${vllmVersion === undefined ? 'image' : 'vllmVersion'}`;
    if (!table && !warned.has(at)) {
      warned.add(at);
      findings.warnings.push({ path: at, message: uncheckedMessage(image, vllmVersion) });
    }
    return table;
  };

  const engineTable = engine.extraArgs?.length ? tableAt({ name: '' }, 'spec.engine') : undefined;
  if (engineTable) findings.problems.push(...argProblems(engineTable, engine.extraArgs ?? [], 'spec.engine.extraArgs'));

  spec.modes.forEach((mode, i) => {
    const path = `spec.modes[${i}]`;
    findings.problems.push(...adapterShapeProblems(policy, mode, path));
    const schedule = mode.speculative?.numSpeculativeTokensPerBatchSize;
    if (schedule) {
      const at = `${path}.speculative.numSpeculativeTokensPerBatchSize`;
      findings.problems.push(...perBatchSizeProblems(schedule).map((message) => ({ path: at, message })));
    }
    if (mode.adapter?.base !== undefined) return; // checked with its base mode below
    const table = tableAt(mode, path);
    if (!table) return;
    findings.problems.push(...modeProblems(table, mode, engine, path));
    adaptersServedBy(spec.modes, mode).forEach(({ adapter, index }) => {
      findings.problems.push(...rankProblems(table, adapter.adapter!.rank, `spec.modes[${index}].adapter.rank`));
    });
  });
  return findings;
}

function uncheckedMessage(image: string, vllmVersion: string | undefined): string {
  const what = 'extraArgs, quantization, kvCacheDtype, speculative and adapter settings were not checked';
  if (vllmVersion === undefined) {
    return `image ${image} does not say which vLLM release it runs: set vllmVersion (${PINNED_VLLM.vllm} is the one ModeSwitch knows); ${what}`;
  }
  return `no argument table for vLLM ${vllmVersion} (ModeSwitch has ${knownVllmVersions().join(', ')}); ${what}`;
}

/** The modes whose pods serve `mode` itself (an adapter on its own pods) or sit on it as adapters. */
function adaptersServedBy(modes: readonly ModeSpec[], mode: ModeSpec): { adapter: ModeSpec; index: number }[] {
  return modes
    .map((m, index) => ({ adapter: m, index }))
    .filter(({ adapter }) => adapter.adapter !== undefined && (adapter === mode || adapter.adapter.base === mode.name));
}

function adapterShapeProblems(policy: InferenceModePolicy, mode: ModeSpec, path: string): Problem[] {
  if (!mode.adapter) return [];
  const problems: Problem[] = [];
  if (mode.name === policy.spec.model) {
    problems.push({
      path: `${path}.name`,
      message: 'an adapter mode is named upstream by its mode name, which must differ from spec.model',
    });
  }
  const baseName = mode.adapter.base;
  if (baseName === undefined) return problems;
  const base = policy.spec.modes.find((m) => m.name === baseName);
  if (!base) {
    problems.push({
      path: `${path}.adapter.base`,
      message: `no mode "${baseName}" in spec.modes; modes: ${policy.spec.modes.map((m) => m.name).join(', ')}`,
    });
  } else if (base.adapter) {
    problems.push({
      path: `${path}.adapter.base`,
      message: `mode "${baseName}" is itself an adapter; an adapter's base must be a mode that serves the model`,
    });
  }
  for (const key of Object.keys(mode)) {
    if (!ADAPTER_ON_BASE_FIELDS.has(key)) {
      problems.push({
        path: `${path}.${key}`,
        message: `an adapter on mode "${baseName}" runs on that mode's pods and has none of its own: set ${key} on "${baseName}"`,
      });
    }
  }
  return problems;
}

function modeProblems(table: VllmCliTable, mode: ModeSpec, engine: EngineSpec, path: string): Problem[] {
  const problems: Problem[] = [];
  const at = (field: string, messages: string[]) =>
    problems.push(...messages.map((message) => ({ path: `${path}.${field}`, message })));
  if (mode.quantization !== undefined) {
    const allowDeprecated = [...(engine.extraArgs ?? []), ...(mode.extraArgs ?? [])].includes(
      ALLOW_DEPRECATED_QUANTIZATION,
    );
    const found = checkQuantization(table, mode.quantization);
    at('quantization', allowDeprecated && table.quantizationMethods.includes(mode.quantization) ? [] : found);
  }
  if (mode.kvCacheDtype !== undefined) at('kvCacheDtype', checkKvCacheDtype(table, mode.kvCacheDtype));
  const dtypes = table.flags['--dtype']?.choices;
  if (mode.dtype !== undefined && dtypes && !dtypes.includes(mode.dtype)) {
    at('dtype', [`dtype "${mode.dtype}" is not accepted by vLLM ${table.vllm}: use one of ${dtypes.join(', ')}`]);
  }
  if (mode.speculative) {
    at('speculative.method', checkSpeculativeMethod(table, mode.speculative.method));
    const keys = Object.keys(mode.speculative).map((k) => SPECULATIVE_KEYS[k as keyof SpeculativeSpec]);
    at('speculative', checkSpeculativeKeys(table, keys));
  }
  if (mode.adapter) problems.push(...rankProblems(table, mode.adapter.rank, `${path}.adapter.rank`));
  problems.push(...argProblems(table, mode.extraArgs ?? [], `${path}.extraArgs`));
  return problems;
}

function rankProblems(table: VllmCliTable, rank: number, path: string): Problem[] {
  return table.maxLoraRanks.includes(rank)
    ? []
    : [
        {
          path,
          message: `LoRA rank ${rank} is not one vLLM ${table.vllm} serves (--max-lora-rank): use one of ${table.maxLoraRanks.join(', ')}`,
        },
      ];
}

function argProblems(table: VllmCliTable, args: readonly string[], path: string): Problem[] {
  return checkServeArgs(table, args, { positionalModel: false }).map((p) => ({
    path: `${path}[${p.index}]`,
    message: p.message,
  }));
}
