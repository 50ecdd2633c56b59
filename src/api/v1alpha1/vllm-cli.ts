/**
 * What `vllm serve` accepts, from the generated truth table of the pinned release (src/gen/vllm, `npm run
 * generate:vllm`), and a check of an argument list against it the way vLLM's argument parser and config classes
 * would judge it: unknown or removed flags, values outside a flag's choices, malformed numbers and JSON, unknown
 * quantization methods, KV-cache dtypes, speculative-config keys and methods.
 */
import { VLLM_CLI_TABLE } from '../../gen/vllm/index.js';

export interface VllmFlag {
  /** bool, int, int|human (accepts 32k), int|auto, float, str, json, json|str, bool|str. */
  type: string;
  /** store, store_true, boolean_optional (also --no-<name>), append, or a custom action. */
  action: string;
  choices?: readonly (string | number)[];
  /** Values shown in help but not enforced by argparse. */
  suggested?: readonly (string | number)[];
  nargs?: string | number;
  aliases?: readonly string[];
  negation?: string;
}

export interface VllmCliTable {
  vllm: string;
  flags: Readonly<Record<string, VllmFlag>>;
  kvCacheDtypes: readonly string[];
  quantizationMethods: readonly string[];
  deprecatedQuantizationMethods: readonly string[];
  speculative: { methods: readonly string[]; keys: readonly string[] };
  maxLoraRanks: readonly number[];
}

/** The release the default engine image runs; the one whose table ships with ModeSwitch. */
export const PINNED_VLLM: VllmCliTable = VLLM_CLI_TABLE;

export type KvCacheDtype = (typeof VLLM_CLI_TABLE.kvCacheDtypes)[number];
export type QuantizationMethod = (typeof VLLM_CLI_TABLE.quantizationMethods)[number];
export type SpeculativeMethod = (typeof VLLM_CLI_TABLE.speculative.methods)[number];
export type SpeculativeKey = (typeof VLLM_CLI_TABLE.speculative.keys)[number];
export type LoraRank = (typeof VLLM_CLI_TABLE.maxLoraRanks)[number];

const TABLES: ReadonlyMap<string, VllmCliTable> = new Map([[PINNED_VLLM.vllm, PINNED_VLLM]]);

/** The table of a vLLM release, when ModeSwitch has one (`0.33.0` and `v0.33.0` alike). */
export function cliTableFor(version: string): VllmCliTable | undefined {
  return TABLES.get(version.replace(/^v/, ''));
}

export function knownVllmVersions(): string[] {
  return [...TABLES.keys()];
}

/** One problem with one argument: the index of the offending token in the list checked. */
export interface ArgProblem {
  index: number;
  message: string;
}

interface FlagLookup {
  name: string;
  flag: VllmFlag;
  /** `--no-x` of a boolean flag. */
  negated: boolean;
  /** `--json-flag.key`: one key of a JSON flag given on its own. */
  jsonKey?: string;
}

function flagIndex(table: VllmCliTable): Map<string, FlagLookup> {
  const index = new Map<string, FlagLookup>();
  for (const [name, flag] of Object.entries(table.flags)) {
    index.set(name, { name, flag, negated: false });
    for (const alias of flag.aliases ?? []) index.set(alias, { name, flag, negated: false });
    if (flag.negation) index.set(flag.negation, { name, flag, negated: true });
  }
  return index;
}

const INDEXES = new WeakMap<VllmCliTable, Map<string, FlagLookup>>();

function lookup(table: VllmCliTable, token: string): FlagLookup | undefined {
  let index = INDEXES.get(table);
  if (!index) INDEXES.set(table, (index = flagIndex(table)));
  // vLLM's FlexibleArgumentParser reads --max_model_len as --max-model-len and --speculative-config.method X as
  // one key of the JSON flag.
  const [head, ...keys] = token.split('.');
  const name = head!.startsWith('--') ? `--${head!.slice(2).replace(/_/g, '-')}` : head!;
  const found = index.get(name);
  if (!found || keys.length === 0) return found;
  return found.flag.type.startsWith('json') ? { ...found, jsonKey: keys.join('.') } : undefined;
}

const HUMAN_INT = /^\d+(\.\d+)?[kKmMgGtT]?$/;

function listOf(values: readonly (string | number)[]): string {
  return values.join(', ');
}

/** Problems with one value of a flag; empty when vLLM takes it. */
export function checkFlagValue(table: VllmCliTable, name: string, flag: VllmFlag, value: string): string[] {
  if (flag.choices && !flag.choices.some((c) => String(c) === value)) {
    return [
      `${name} ${JSON.stringify(value)} is not accepted by vLLM ${table.vllm}: use one of ${listOf(flag.choices)}`,
    ];
  }
  switch (name) {
    case '--quantization':
      return checkQuantization(table, value);
    case '--kv-cache-dtype':
      return checkKvCacheDtype(table, value);
    case '--speculative-config':
      return checkSpeculativeJson(table, value);
  }
  switch (flag.type) {
    case 'int':
      return /^-?\d+$/.test(value) ? [] : [`${name} takes an integer, got ${JSON.stringify(value)}`];
    case 'int|human':
      return HUMAN_INT.test(value) ? [] : [`${name} takes an integer such as 8192 or 8k, got ${JSON.stringify(value)}`];
    case 'int|auto':
      return HUMAN_INT.test(value) || value === 'auto' || value === '-1'
        ? []
        : [`${name} takes an integer such as 32768 or 32k, or auto, got ${JSON.stringify(value)}`];
    case 'float':
      return value.trim() !== '' && Number.isFinite(Number(value))
        ? []
        : [`${name} takes a number, got ${JSON.stringify(value)}`];
    case 'json':
      return parsesAsJson(value) ? [] : [`${name} takes JSON, got ${JSON.stringify(value)}`];
    default:
      return [];
  }
}

function parsesAsJson(value: string): boolean {
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

export function checkQuantization(table: VllmCliTable, method: string): string[] {
  if (!table.quantizationMethods.includes(method)) {
    return [
      `quantization method ${JSON.stringify(method)} is not one vLLM ${table.vllm} knows: use one of ${listOf(table.quantizationMethods)}`,
    ];
  }
  if (table.deprecatedQuantizationMethods.includes(method)) {
    return [
      `quantization method ${JSON.stringify(method)} is deprecated in vLLM ${table.vllm}, which refuses it without --allow-deprecated-quantization`,
    ];
  }
  return [];
}

export function checkKvCacheDtype(table: VllmCliTable, dtype: string): string[] {
  return table.kvCacheDtypes.includes(dtype)
    ? []
    : [
        `KV-cache dtype ${JSON.stringify(dtype)} is not one vLLM ${table.vllm} knows: use one of ${listOf(table.kvCacheDtypes)}`,
      ];
}

export function checkSpeculativeMethod(table: VllmCliTable, method: string): string[] {
  return table.speculative.methods.includes(method)
    ? []
    : [
        `speculative method ${JSON.stringify(method)} is not one vLLM ${table.vllm} knows: use one of ${listOf(table.speculative.methods)}`,
      ];
}

/** vLLM's SpeculativeConfig refuses keys it does not define (pydantic extra='forbid'). */
export function checkSpeculativeKeys(table: VllmCliTable, keys: readonly string[]): string[] {
  const unknown = keys.filter((k) => !table.speculative.keys.includes(k));
  return unknown.length === 0
    ? []
    : [
        `--speculative-config key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} not known to vLLM ${table.vllm}: use ${listOf(table.speculative.keys)}`,
      ];
}

function checkSpeculativeJson(table: VllmCliTable, value: string): string[] {
  let config: unknown;
  try {
    config = JSON.parse(value);
  } catch {
    return [`--speculative-config takes JSON, got ${JSON.stringify(value)}`];
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    return ['--speculative-config takes a JSON object'];
  const problems = checkSpeculativeKeys(table, Object.keys(config));
  const method = (config as Record<string, unknown>)['method'];
  if (typeof method === 'string') problems.push(...checkSpeculativeMethod(table, method));
  return problems;
}

export interface CheckArgsOptions {
  /** The list starts with the model (vllm serve's positional model_tag); extraArgs do not. */
  positionalModel: boolean;
}

/** Checks a `vllm serve` argument list against a release's table, the way its parser reads the list. */
export function checkServeArgs(table: VllmCliTable, args: readonly string[], options: CheckArgsOptions): ArgProblem[] {
  const problems: ArgProblem[] = [];
  let i = 0;
  if (options.positionalModel) {
    if (args[0] === undefined || args[0].startsWith('-'))
      problems.push({ index: 0, message: 'vllm serve needs the model first' });
    i = 1;
  }
  while (i < args.length) {
    const token = args[i]!;
    if (!token.startsWith('-')) {
      problems.push({
        index: i,
        message: `unexpected value ${JSON.stringify(token)}: it follows no flag that takes one`,
      });
      i++;
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    const found = lookup(table, name);
    if (!found) {
      problems.push({
        index: i,
        message: `vLLM ${table.vllm} has no flag ${name} (removed or misspelt; vllm serve --help lists a release's flags)`,
      });
      // Its values, if any, are not reported again.
      i++;
      while (i < args.length && !isFlagToken(args[i]!)) i++;
      continue;
    }
    const values: string[] = eq > 0 ? [token.slice(eq + 1)] : [];
    const wanted = found.jsonKey ? 1 : arity(found.flag);
    if (wanted === 0) {
      if (values.length > 0) problems.push({ index: i, message: `${name} takes no value` });
      i++;
      continue;
    }
    let j = i + 1;
    while (
      eq < 0 &&
      j < args.length &&
      !isFlagToken(args[j]!) &&
      (wanted === '+' || values.length < (wanted === '?' ? 1 : wanted))
    ) {
      values.push(args[j]!);
      j++;
    }
    const min = wanted === '?' ? 0 : wanted === '+' ? 1 : wanted;
    if (values.length < min)
      problems.push({ index: i, message: `${name} needs ${min === 1 ? 'a value' : `${min} values`}` });
    if (found.jsonKey) {
      if (found.name === '--speculative-config')
        problems.push(
          ...checkSpeculativeKeys(table, [found.jsonKey.split('.')[0]!]).map((message) => ({ index: i, message })),
        );
    } else {
      for (const v of values)
        problems.push(...checkFlagValue(table, found.name, found.flag, v).map((message) => ({ index: i, message })));
    }
    i = j;
  }
  return problems;
}

function arity(flag: VllmFlag): number | '?' | '+' {
  if (flag.type === 'bool') return 0;
  if (flag.nargs === '?' || flag.nargs === '+' || flag.nargs === '*') return flag.nargs === '*' ? '+' : flag.nargs;
  return typeof flag.nargs === 'number' ? flag.nargs : 1;
}

/** argparse reads a token starting with `-` as a flag unless it looks like a negative number. */
function isFlagToken(token: string): boolean {
  return token.startsWith('-') && !/^-\d/.test(token);
}
