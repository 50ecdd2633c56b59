/**
 * The cost of a routing rule, bounded twice as Kubernetes bounds its own CEL: an estimate over the parsed expression
 * before a rule is accepted (`modeswitch validate`, the operator, the router's compile), and a meter on every
 * evaluation. @bufbuild/cel has neither, so both live here. One unit is about one step of the interpreter; a
 * comprehension (`all`, `exists`, `exists_one`, `map`, `filter`) costs its range's largest size times its body, so
 * nested comprehensions multiply. Sizes come from the rule env: list and map literals count their elements, `modes`
 * has at most spec.modes' maxItems entries and each request string at most REQUEST_STRING_MAX_LENGTH characters.
 */
import { celEnv, celError, celFunc, CelScalar, plan } from '@bufbuild/cel';
import type { CelInput, CelResult, parse } from '@bufbuild/cel';
import { MODE_VARIABLES, REQUEST_STRING_MAX_LENGTH, REQUEST_VARIABLES } from './rule-env.js';
import { specSchema } from './schema.js';

type Expr = ReturnType<typeof parse>['expr'];
type Comprehension = Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value'];

/**
 * Most units one rule may be estimated to cost, and may spend in one evaluation. At the interpreter's pace (0.1 to
 * 0.5 µs a unit, `npm run bench -- rule-cost`), a rule at the limit holds the event loop a few milliseconds, where
 * an unbounded rule held it for seconds.
 */
export const RULE_COST_LIMIT = 10_000;

/** Most units all rules of a policy together may be estimated to cost: what one request can spend on rules. */
export const POLICY_RULES_COST_LIMIT = 50_000;

/** A cost as messages print it. */
export function formatCost(units: number): string {
  return Number.isFinite(units) ? Math.round(units).toLocaleString('en-US') : 'beyond counting';
}

/** The largest a value can be: characters of a string, entries of a list or map (with their elements' size). */
interface Size {
  max: number;
  /** Elements of a list, values of a map. */
  elem?: Size;
  /** Keys of a map: what a comprehension over it iterates. */
  key?: Size;
}

const SCALAR: Size = { max: 1 };

function widest(a: Size | undefined, b: Size | undefined): Size | undefined {
  if (!a) return b;
  if (!b) return a;
  return { max: Math.max(a.max, b.max), elem: widest(a.elem, b.elem), key: widest(a.key, b.key) };
}

interface Estimate {
  /** Units of a whole evaluation. */
  cost: number;
  /** Units charged outside the iterations of the comprehensions inside (those the meter charges per iteration). */
  own: number;
  size: Size;
}

/** One comprehension being estimated: its accumulator's name and what its step appends to it. */
interface Fold {
  accuVar: string;
  appended?: Size;
}

interface Context {
  scope: ReadonlyMap<string, Size>;
  folds: readonly Fold[];
  /** Called with each comprehension and the units one of its iterations costs, nested comprehensions excluded. */
  onFold?: (c: Comprehension, perIteration: number) => void;
}

const modesSchema = specSchema.properties!['modes']!;
// Built on first use: rule-env.ts, which this reads, checks rules with this file.
let rootScope: ReadonlyMap<string, Size> | undefined;
const ROOT_SCOPE = (): ReadonlyMap<string, Size> =>
  (rootScope ??= new Map([
    ['request', { max: Object.keys(REQUEST_VARIABLES).length }],
    [
      'modes',
      {
        max: modesSchema.maxItems!,
        key: { max: modesSchema.items!.properties!['name']!.maxLength! },
        elem: { max: Object.keys(MODE_VARIABLES).length },
      },
    ],
  ]));

/** Compiling a `matches` pattern (RE2, at each call) costs about this many units per character of the pattern. */
const MATCHES_COMPILE_UNITS_PER_CHAR = 50;

/** Character-by-character work on a string (contains, startsWith, comparisons) costs a unit per ten characters. */
const perTenChars = (n: number) => Math.ceil(n / 10);

/**
 * Estimated units of one evaluation (Infinity when it overflows) and, through onFold, what one iteration of each
 * comprehension costs, which the meter charges at run time.
 */
export function estimateRuleCost(expr: Expr, onFold?: Context['onFold']): number {
  try {
    return estimate(expr, { scope: ROOT_SCOPE(), folds: [], ...(onFold ? { onFold } : {}) }).cost;
  } catch (err) {
    if (err instanceof RangeError) return Infinity; // nested past the stack: certainly over any limit
    throw err;
  }
}

const leaf = (cost: number, size: Size): Estimate => ({ cost, own: cost, size });

/** Adds the units an operation itself costs to what its operands cost. */
function op(extra: number, parts: readonly Estimate[], size: Size): Estimate {
  return {
    cost: extra + sum(parts.map((p) => p.cost)),
    own: extra + sum(parts.map((p) => p.own)),
    size,
  };
}

function estimate(e: Expr | undefined, ctx: Context): Estimate {
  const k = e?.exprKind;
  switch (k?.case) {
    case undefined:
      return leaf(0, SCALAR);
    case 'constExpr': {
      const c = k.value.constantKind;
      return leaf(0, { max: c.case === 'stringValue' || c.case === 'bytesValue' ? c.value.length : 1 });
    }
    case 'identExpr':
      return leaf(1, ctx.scope.get(k.value.name) ?? SCALAR);
    case 'selectExpr': {
      const operand = estimate(k.value.operand, ctx);
      const on = k.value.operand?.exprKind;
      const size =
        on?.case === 'identExpr' && on.value.name === 'request'
          ? requestFieldSize(k.value.field)
          : (operand.size.elem ?? SCALAR);
      return op(1, [operand], k.value.testOnly ? SCALAR : size);
    }
    case 'listExpr': {
      const els = k.value.elements.map((el) => estimate(el, ctx));
      return op(1, els, { max: els.length, ...optional('elem', widestOf(els.map((x) => x.size))) });
    }
    case 'structExpr': {
      const keys: Estimate[] = [];
      const values: Estimate[] = [];
      for (const entry of k.value.entries) {
        if (entry.keyKind.case === 'mapKey') keys.push(estimate(entry.keyKind.value, ctx));
        values.push(estimate(entry.value, ctx));
      }
      return op(1, [...keys, ...values], {
        max: k.value.entries.length,
        ...optional('key', widestOf(keys.map((x) => x.size))),
        ...optional('elem', widestOf(values.map((x) => x.size))),
      });
    }
    case 'comprehensionExpr':
      return comprehension(k.value, ctx);
    case 'callExpr':
      return call(k.value.function, k.value.target, k.value.args, ctx);
  }
}

function optional<K extends string>(key: K, size: Size | undefined): { [k in K]?: Size } {
  return size ? ({ [key]: size } as { [k in K]: Size }) : {};
}

function widestOf(sizes: readonly Size[]): Size | undefined {
  return sizes.reduce<Size | undefined>((a, s) => widest(a, s), undefined);
}

/** Every string variable declares its longest value (the type of REQUEST_STRING_MAX_LENGTH requires it). */
function requestFieldSize(field: string): Size {
  const declared = (REQUEST_STRING_MAX_LENGTH as Record<string, number>)[field];
  return declared === undefined ? SCALAR : { max: declared };
}

/** `request['<field>']`: the field; undefined for any other index. */
function requestIndex(args: readonly Expr[]): string | undefined {
  const [on, key] = [args[0]?.exprKind, args[1]?.exprKind];
  if (on?.case !== 'identExpr' || on.value.name !== 'request') return undefined;
  return key?.case === 'constExpr' && key.value.constantKind.case === 'stringValue'
    ? key.value.constantKind.value
    : undefined;
}

/** The request fields an expression reads; every field where it reads `request` otherwise than by a constant name. */
function requestFieldsRead(e: Expr | undefined, into: Set<string>): Set<string> {
  const k = e?.exprKind;
  if (k?.case === 'selectExpr' && k.value.operand?.exprKind.case === 'identExpr') {
    if (k.value.operand.exprKind.value.name === 'request') into.add(k.value.field);
    return into;
  }
  if (k?.case === 'callExpr' && k.value.function === '_[_]' && requestIndex(k.value.args) !== undefined) {
    into.add(requestIndex(k.value.args)!);
    return into;
  }
  if (k?.case === 'identExpr' && k.value.name === 'request') {
    for (const field of Object.keys(REQUEST_VARIABLES)) into.add(field);
    return into;
  }
  for (const child of childrenOf(e)) requestFieldsRead(child, into);
  return into;
}

function childrenOf(e: Expr | undefined): (Expr | undefined)[] {
  const k = e?.exprKind;
  switch (k?.case) {
    case 'selectExpr':
      return [k.value.operand];
    case 'callExpr':
      return [k.value.target, ...k.value.args];
    case 'listExpr':
      return k.value.elements;
    case 'structExpr':
      return k.value.entries.flatMap((x) => [x.keyKind.case === 'mapKey' ? x.keyKind.value : undefined, x.value]);
    case 'comprehensionExpr': {
      const c = k.value;
      return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result];
    }
    default:
      return [];
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function comprehension(c: Comprehension, ctx: Context): Estimate {
  const range = estimate(c.iterRange, ctx);
  const init = estimate(c.accuInit, ctx);
  const n = range.size.max;
  const fold: Fold = { accuVar: c.accuVar };
  const scope = new Map(ctx.scope);
  scope.set(c.iterVar, range.size.key ?? range.size.elem ?? SCALAR);
  if (c.iterVar2) scope.set(c.iterVar2, range.size.elem ?? SCALAR);
  // A step appends at most one element (map, filter): the accumulator never holds more than init plus n.
  scope.set(c.accuVar, { ...init.size, max: init.size.max + n });
  const inner: Context = { ...ctx, scope, folds: [...ctx.folds, fold] };
  const cond = estimate(c.loopCondition, inner);
  const step = estimate(c.loopStep, inner);
  const perIteration = 1 + cond.own + step.own;
  ctx.onFold?.(c, perIteration);
  const resultScope = new Map(ctx.scope);
  resultScope.set(
    c.accuVar,
    fold.appended ? { max: init.size.max + n, ...optional('elem', widest(init.size.elem, fold.appended)) } : init.size,
  );
  const result = estimate(c.result, { ...ctx, scope: resultScope });
  return {
    cost: 1 + range.cost + init.cost + n * (1 + cond.cost + step.cost) + result.cost,
    // Evaluated once where it stands: range, initial value and result; its iterations are charged per iteration.
    own: 1 + range.own + init.own + result.own,
    size: result.size,
  };
}

function call(fn: string, target: Expr | undefined, args: readonly Expr[], ctx: Context): Estimate {
  const t = target ? estimate(target, ctx) : undefined;
  const as = args.map((a) => estimate(a, ctx));
  const parts = t ? [t, ...as] : as;
  // A method's subject is its target, a function's its first argument; `other` is the second operand.
  const [subject, other] = t ? [t, as[0]] : [as[0], as[1]];
  const s = subject?.size.max ?? 1;
  const o = other?.size.max ?? 1;
  switch (fn) {
    case '_+_': {
      const arg0 = args[0]?.exprKind;
      const fold = ctx.folds[ctx.folds.length - 1];
      if (fold && arg0?.case === 'identExpr' && arg0.value.name === fold.accuVar) {
        fold.appended = widest(fold.appended, other?.size.elem ?? SCALAR);
      }
      // Concatenation copies both sides.
      return op(1 + perTenChars(s + o), parts, {
        max: s + o,
        ...optional('elem', widest(subject?.size.elem, other?.size.elem)),
      });
    }
    case '_==_':
    case '_!=_':
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return op(1 + perTenChars(Math.max(s, o)), parts, SCALAR);
    case 'matches':
      // RE2 is linear in the text, by a factor of the pattern, which is compiled at every call (the dearer part).
      return op(1 + perTenChars(s) * Math.ceil(o / 4) + MATCHES_COMPILE_UNITS_PER_CHAR * o, parts, SCALAR);
    case '@in':
      return op(1 + o, parts, SCALAR);
    case '_[_]': {
      const field = requestIndex(args);
      return op(1, parts, field === undefined ? (subject?.size.elem ?? SCALAR) : requestFieldSize(field));
    }
    case '_?_:_':
      return op(1, parts, widest(as[1]?.size, as[2]?.size) ?? SCALAR);
    case 'string':
    case 'bytes':
    case 'dyn':
      return op(1 + perTenChars(s), parts, { ...(subject?.size ?? SCALAR), max: Math.max(24, s) });
    default:
      return op(1, parts, SCALAR);
  }
}

/** The name of the meter's function: `@` keeps a rule from calling it (CEL identifiers cannot start with it). */
const METER = '@cost';

/** An evaluation that would spend more than the limit stops and yields this error. */
export class RuleCostExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleCostExceeded';
  }
}

/** A request string the rule reads, longer than the estimate assumed: the estimate no longer bounds it. */
function oversizedString(bindings: Record<string, CelInput>, read: ReadonlySet<string>): string | undefined {
  const request = bindings['request'] as Record<string, unknown> | undefined;
  for (const [field, max] of Object.entries(REQUEST_STRING_MAX_LENGTH)) {
    const v = read.has(field) ? request?.[field] : undefined;
    if (typeof v === 'string' && v.length > max) {
      return `request.${field} has ${v.length} characters, more than the ${max} the rule's cost was estimated for`;
    }
  }
  return undefined;
}

/**
 * Plans a rule with a meter: every iteration of every comprehension charges what the estimate says one costs, and
 * the evaluation stops at the first iteration past `limit`, yielding a CelError (a rule that errs does not match).
 * Whatever was left to evaluate after that is at most one step per enclosing comprehension. A request string that
 * the rule reads, longer than REQUEST_STRING_MAX_LENGTH, makes the evaluation err before it starts.
 */
export function meteredRule(
  parsed: ReturnType<typeof parse>,
  limit: number = RULE_COST_LIMIT,
): (bindings: Record<string, CelInput>) => CelResult {
  const meter = { spent: 0, exceeded: false };
  const read = requestFieldsRead(parsed.expr, new Set());
  estimateRuleCost(parsed.expr, (c, perIteration) => {
    // The condition runs first in every iteration: it pays the iteration's units, then yields the condition's value.
    const condition = c.loopCondition!;
    const units = { ...condition, exprKind: intConstant(Math.min(perIteration, limit + 1)) };
    c.loopCondition = {
      ...condition,
      exprKind: {
        case: 'callExpr',
        value: { $typeName: 'cel.expr.Expr.Call', function: METER, args: [condition, units] },
      },
    } as Expr;
  });
  const charge = celFunc(METER, [CelScalar.DYN, CelScalar.INT], CelScalar.DYN, (value: unknown, units: unknown) => {
    meter.spent += Number(units);
    if (meter.spent > limit) {
      meter.exceeded = true;
      throw new RuleCostExceeded(exceededMessage);
    }
    return value as CelInput;
  });
  const program = plan(celEnv({ funcs: [charge] }), parsed);
  const exceededMessage = `the rule exceeded its cost limit of ${formatCost(limit)} units in one evaluation`;
  return (bindings) => {
    const oversized = oversizedString(bindings, read);
    if (oversized) return celError(new RuleCostExceeded(oversized));
    meter.spent = 0;
    meter.exceeded = false;
    const result = program(bindings);
    // An exceeded evaluation errs with that reason, even where `||` or `&&` would have hidden the error.
    return meter.exceeded ? celError(new RuleCostExceeded(exceededMessage)) : result;
  };
}

function intConstant(value: number): Expr['exprKind'] {
  return {
    case: 'constExpr',
    value: { $typeName: 'cel.expr.Constant', constantKind: { case: 'int64Value', value: BigInt(value) } },
  } as Expr['exprKind'];
}
