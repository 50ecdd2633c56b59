/**
 * The variables a routing rule's CEL `when` expression can read, and a static check of an expression against them.
 * The router binds the same names at decision time; docs/rules.md is written from this catalogue.
 */
import { isCelError, parse } from '@bufbuild/cel';
import type { CelInput } from '@bufbuild/cel';
import { estimateRuleCost, formatCost, meteredRule, RULE_COST_LIMIT } from './rule-cost.js';

type Expr = ReturnType<typeof parse>['expr'];

export interface RuleVariable {
  type: 'int' | 'double' | 'string' | 'bool';
  unit?: string;
  description: string;
}

/** Request categories the router classifies into; quality and speculative acceptance vary by category. */
export const REQUEST_TYPES = ['chat', 'code', 'math', 'summarise', 'extract', 'reasoning'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export function isRequestType(value: unknown): value is RequestType {
  return typeof value === 'string' && (REQUEST_TYPES as readonly string[]).includes(value);
}

/** Domains the router's classifier tells apart; a client's x-modeswitch-domain hint may name any other. */
export const CLASSIFIED_DOMAINS = ['code', 'math', 'general'] as const;
export type ClassifiedDomain = (typeof CLASSIFIED_DOMAINS)[number];

/** `request.<field>`: features of the request being routed. */
export const REQUEST_VARIABLES = {
  model: { type: 'string', description: 'Model name the client asked for.' },
  inputTokens: {
    type: 'int',
    unit: 'tokens',
    description:
      'Prompt length as the engine counts it: chat template included for Llama 3.1 (Llama 3 tokenizer, or calibrated estimate for very long inputs).',
  },
  maxOutputTokens: {
    type: 'int',
    unit: 'tokens',
    description: 'max_tokens the client asked for; the model context left over when unset.',
  },
  expectedOutputTokens: {
    type: 'int',
    unit: 'tokens',
    description: 'Predicted output length: the hint when given, else a per-type estimate capped by maxOutputTokens.',
  },
  type: {
    type: 'string',
    description: `Request type: one of ${REQUEST_TYPES.join(', ')}. A client hint wins over the heuristic.`,
  },
  domain: {
    type: 'string',
    description: `Domain the request belongs to: the \`x-modeswitch-domain\` hint when given (any name a mode lists in \`domains\`), else ${CLASSIFIED_DOMAINS.join(', ')} from a keyword classifier (accuracy in docs/rules.md).`,
  },
  difficulty: {
    type: 'double',
    unit: '0..1',
    description: 'Estimated difficulty; a client hint wins over the heuristic.',
  },
  sharedPrefix: {
    type: 'bool',
    description: 'The prompt starts with a prefix seen recently (prefix caching pays off).',
  },
  prefixTokens: { type: 'int', unit: 'tokens', description: 'Length of that recently seen prefix; 0 when none.' },
  tenant: { type: 'string', description: 'Tenant from metadata (`x-modeswitch-tenant`); empty when none.' },
  priority: {
    type: 'int',
    description: 'Priority from metadata (`x-modeswitch-priority`); 0 when none, higher is more important.',
  },
  stream: { type: 'bool', description: 'The client asked for a streamed answer.' },
  temperature: {
    type: 'double',
    unit: '0..2',
    description:
      'Sampling temperature the client asked for; 1 (the OpenAI API default) when unset. Speculative decoding accepts fewer drafts as it rises.',
  },
  topP: { type: 'double', unit: '0..1', description: 'Nucleus sampling top_p the client asked for; 1 when unset.' },
} as const satisfies Record<string, RuleVariable>;

/**
 * Longest value of each string variable that a rule's cost is estimated for (rule-cost.ts). type and domain are
 * validated to these lengths where they enter; a longer model or tenant makes a rule that reads it and that the CEL
 * interpreter runs err, and so not match (fast rules, docs/rules.md, are cheap at any length).
 */
export const REQUEST_STRING_MAX_LENGTH = {
  model: 256,
  type: 16,
  domain: 63,
  tenant: 256,
} as const satisfies {
  [K in keyof typeof REQUEST_VARIABLES as (typeof REQUEST_VARIABLES)[K]['type'] extends 'string' ? K : never]: number;
};

/**
 * `modes['<mode>'].<field>`: live state of each mode, aggregated over its ready pods. A value whose telemetry is
 * missing or older than guards.telemetryMaxAgeSeconds is absent (unknown, never zero): a rule that reads it does not
 * match, and `has(modes['x'].queueDepth)` tests for it.
 */
export const MODE_VARIABLES = {
  readyPods: { type: 'int', description: 'Ready pods of the mode (always known).' },
  queueDepth: {
    type: 'int',
    unit: 'requests',
    description: 'Requests waiting (vllm:num_requests_waiting), summed over pods.',
  },
  running: {
    type: 'int',
    unit: 'requests',
    description: 'Requests running (vllm:num_requests_running), summed over pods.',
  },
  kvCacheUsage: { type: 'double', unit: '0..1', description: 'KV-cache use (vllm:kv_cache_usage_perc), highest pod.' },
  powerWatts: {
    type: 'double',
    unit: 'W',
    description: 'GPU power (DCGM_FI_DEV_POWER_USAGE), summed over the GPUs of the mode.',
  },
  gpuUtilization: {
    type: 'double',
    unit: '0..1',
    description: 'GPU utilisation (DCGM_FI_DEV_GPU_UTIL / 100), mean over GPUs.',
  },
  energyPerToken: {
    type: 'double',
    unit: 'J/token',
    description: 'Recent GPU energy per output token (DCGM energy delta / generated tokens).',
  },
  telemetryAgeSeconds: { type: 'double', unit: 's', description: 'Age of the oldest value used for this mode.' },
} as const satisfies Record<string, RuleVariable>;

/** Bindings of `request`: int variables are bigint (CEL int), double variables number. */
export type RequestFeatures = {
  [K in keyof typeof REQUEST_VARIABLES]: (typeof REQUEST_VARIABLES)[K]['type'] extends 'string'
    ? string
    : (typeof REQUEST_VARIABLES)[K]['type'] extends 'bool'
      ? boolean
      : (typeof REQUEST_VARIABLES)[K]['type'] extends 'int'
        ? bigint
        : number;
};
/** Bindings of `modes['x']`: absent fields are unknown; int variables are bigint. */
export type ModeState = {
  [K in keyof typeof MODE_VARIABLES]?: (typeof MODE_VARIABLES)[K]['type'] extends 'int' ? bigint : number;
};

// CEL ints are bigint in @bufbuild/cel; the router binds int variables the same way, so `request.inputTokens * 2` works.
const SAMPLE_VALUES = { int: 1n, double: 0.5, string: 'chat', bool: true } as const;

function sampleOf(vars: Record<string, RuleVariable>): Record<string, CelInput> {
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, SAMPLE_VALUES[v.type]]));
}

/** Problems found in one expression; empty when it is fine. */
export function checkRuleExpression(expression: string, modeNames: readonly string[]): string[] {
  let parsed;
  try {
    parsed = parse(expression);
  } catch (err) {
    return [`does not parse: ${(err as Error).message}`];
  }
  const problems: string[] = [];
  walk(parsed.expr, new Set(), modeNames, problems);
  const cost = estimateRuleCost(parsed.expr);
  if (cost > RULE_COST_LIMIT) {
    problems.push(
      `estimated cost ${formatCost(cost)} exceeds the limit of ${formatCost(RULE_COST_LIMIT)} per evaluation (docs/rules.md): nest fewer comprehensions or iterate shorter lists`,
    );
  }
  if (problems.length > 0) return problems;
  // With every variable known, a well-formed rule yields a bool; this catches `request.type > 3` and the like.
  const modes = new Map(modeNames.map((n) => [n, sampleOf(MODE_VARIABLES)]));
  const result = meteredRule(parsed)({ request: sampleOf(REQUEST_VARIABLES), modes });
  if (isCelError(result)) return [`fails on a sample request: ${result.message}`];
  if (typeof result !== 'boolean') return ['must evaluate to a bool'];
  return [];
}

function constString(e: Expr | undefined): string | undefined {
  const k = e?.exprKind;
  return k?.case === 'constExpr' && k.value.constantKind.case === 'stringValue'
    ? k.value.constantKind.value
    : undefined;
}

function isIdent(e: Expr | undefined, name: string): boolean {
  return e?.exprKind.case === 'identExpr' && e.exprKind.value.name === name;
}

/** `modes['x']` or `modes.x`: the mode name it selects, or undefined when `e` is not such an access. */
function modeAccess(e: Expr | undefined): string | undefined {
  const k = e?.exprKind;
  if (k?.case === 'callExpr' && k.value.function === '_[_]' && isIdent(k.value.args[0], 'modes')) {
    return constString(k.value.args[1]) ?? '';
  }
  if (k?.case === 'selectExpr' && isIdent(k.value.operand, 'modes')) return k.value.field;
  return undefined;
}

function walk(e: Expr | undefined, bound: Set<string>, modeNames: readonly string[], problems: string[]): void {
  const k = e?.exprKind;
  if (!k) return;
  switch (k.case) {
    case 'identExpr':
      if (k.value.name !== 'request' && k.value.name !== 'modes' && !bound.has(k.value.name)) {
        problems.push(`unknown variable "${k.value.name}" (use request.* or modes['<mode>'].*)`);
      }
      return;
    case 'selectExpr': {
      const { operand, field } = k.value;
      if (isIdent(operand, 'request') && !(field in REQUEST_VARIABLES)) {
        problems.push(`request has no field "${field}"; known: ${Object.keys(REQUEST_VARIABLES).join(', ')}`);
        return;
      }
      const mode = modeAccess(operand);
      if (mode !== undefined) {
        checkModeName(mode, modeNames, problems);
        if (!(field in MODE_VARIABLES)) {
          problems.push(`modes['${mode}'] has no field "${field}"; known: ${Object.keys(MODE_VARIABLES).join(', ')}`);
        }
        return;
      }
      if (isIdent(operand, 'modes')) {
        checkModeName(field, modeNames, problems);
        return;
      }
      walk(operand, bound, modeNames, problems);
      return;
    }
    case 'callExpr': {
      const mode = modeAccess(e);
      if (mode !== undefined) {
        if (mode === '') {
          problems.push("index modes with a quoted mode name, e.g. modes['fp8']");
        } else {
          checkModeName(mode, modeNames, problems);
        }
        return;
      }
      walk(k.value.target, bound, modeNames, problems);
      for (const a of k.value.args) walk(a, bound, modeNames, problems);
      return;
    }
    case 'listExpr':
      for (const el of k.value.elements) walk(el, bound, modeNames, problems);
      return;
    case 'structExpr':
      for (const entry of k.value.entries) {
        if (entry.keyKind.case === 'mapKey') walk(entry.keyKind.value, bound, modeNames, problems);
        walk(entry.value, bound, modeNames, problems);
      }
      return;
    case 'comprehensionExpr': {
      const c = k.value;
      walk(c.iterRange, bound, modeNames, problems);
      walk(c.accuInit, bound, modeNames, problems);
      const inner = new Set([...bound, c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
      walk(c.loopCondition, inner, modeNames, problems);
      walk(c.loopStep, inner, modeNames, problems);
      walk(c.result, inner, modeNames, problems);
      return;
    }
    default:
      return;
  }
}

function checkModeName(name: string, modeNames: readonly string[], problems: string[]): void {
  if (!modeNames.includes(name)) problems.push(`unknown mode "${name}"; modes: ${modeNames.join(', ')}`);
}
