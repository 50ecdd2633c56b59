/**
 * A CEL-to-closure compiler for the subset of CEL that routing rules use (comparisons, `in` over literal lists,
 * `&&` `||` `!`, `?:`, `has()`, string startsWith/endsWith/contains, field and index access on request/modes).
 * @bufbuild/cel's interpreter costs 2-8 µs per rule; these closures cost tens of nanoseconds. Semantics follow CEL,
 * errors included: a missing value is an error, `false && error` is false and `true || error` is true, so an unknown
 * telemetry value never makes a rule match. Anything outside the subset returns undefined and the caller uses the
 * CEL planner instead; test/router/decide checks both agree.
 */
import type { parse } from '@bufbuild/cel';
import { MODE_VARIABLES, REQUEST_VARIABLES } from '../../api/v1alpha1/rule-env.js';
import type { RuleBindings } from './bindings.js';

type Expr = ReturnType<typeof parse>['expr'];
const ERR: unique symbol = Symbol('cel-error');
type Value = number | bigint | string | boolean | typeof ERR;
type Kind = 'num' | 'str' | 'bool';
interface Node {
  kind: Kind;
  ev: (b: RuleBindings) => Value;
}

type Ordered = number | bigint | string;

class Unsupported extends Error {}

const KIND_OF = { int: 'num', double: 'num', string: 'str', bool: 'bool' } as const;

/** A predicate that is true only when the expression evaluates to true; undefined when outside the subset. */
export function compileFastRule(expr: Expr): ((b: RuleBindings) => boolean) | undefined {
  try {
    const node = compile(expr);
    if (node.kind !== 'bool') return undefined;
    const ev = node.ev;
    return (b) => ev(b) === true;
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

function compile(e: Expr | undefined): Node {
  const k = e?.exprKind;
  switch (k?.case) {
    case 'constExpr':
      return constant(k.value.constantKind);
    case 'selectExpr':
      return select(k.value.operand, k.value.field, k.value.testOnly);
    case 'callExpr':
      return call(k.value.function, k.value.target, k.value.args);
    default:
      throw new Unsupported();
  }
}

function constant(c: Extract<NonNullable<Expr['exprKind']>, { case: 'constExpr' }>['value']['constantKind']): Node {
  switch (c.case) {
    case 'int64Value':
    case 'uint64Value': {
      const v = Number(c.value);
      return { kind: 'num', ev: () => v };
    }
    case 'doubleValue': {
      const v = c.value;
      return { kind: 'num', ev: () => v };
    }
    case 'stringValue': {
      const v = c.value;
      return { kind: 'str', ev: () => v };
    }
    case 'boolValue': {
      const v = c.value;
      return { kind: 'bool', ev: () => v };
    }
    default:
      throw new Unsupported();
  }
}

function identName(e: Expr | undefined): string | undefined {
  return e?.exprKind.case === 'identExpr' ? e.exprKind.value.name : undefined;
}

/** `modes['x']` or `modes.x` → 'x'. */
function modeName(e: Expr | undefined): string | undefined {
  const k = e?.exprKind;
  if (k?.case === 'selectExpr' && identName(k.value.operand) === 'modes' && !k.value.testOnly) return k.value.field;
  if (k?.case === 'callExpr' && k.value.function === '_[_]' && identName(k.value.args[0]) === 'modes') {
    const key = k.value.args[1]?.exprKind;
    if (key?.case === 'constExpr' && key.value.constantKind.case === 'stringValue') return key.value.constantKind.value;
  }
  return undefined;
}

function select(operand: Expr | undefined, field: string, testOnly: boolean): Node {
  if (identName(operand) === 'request' && !testOnly) {
    const spec = (REQUEST_VARIABLES as Record<string, { type: keyof typeof KIND_OF }>)[field];
    if (!spec) throw new Unsupported();
    const f = field as keyof RuleBindings['request'];
    return { kind: KIND_OF[spec.type], ev: (b) => b.request[f] };
  }
  const mode = modeName(operand);
  if (mode === undefined) throw new Unsupported();
  const spec = (MODE_VARIABLES as Record<string, { type: keyof typeof KIND_OF }>)[field];
  if (!spec) throw new Unsupported();
  const f = field as keyof typeof MODE_VARIABLES;
  if (testOnly) {
    return {
      kind: 'bool',
      ev: (b) => {
        const m = b.modes.get(mode);
        return m === undefined ? ERR : m[f] !== undefined;
      },
    };
  }
  return {
    kind: KIND_OF[spec.type],
    ev: (b) => {
      const v = b.modes.get(mode)?.[f];
      return v === undefined ? ERR : v;
    },
  };
}

// JS compares bigint with number exactly, as CEL compares int with double.
const COMPARE: Record<string, (a: Ordered, b: Ordered) => boolean> = {
  '_<_': (a, b) => a < b,
  '_<=_': (a, b) => a <= b,
  '_>_': (a, b) => a > b,
  '_>=_': (a, b) => a >= b,
};

const STRING_METHODS: Record<string, (s: string, arg: string) => boolean> = {
  startsWith: (s, a) => s.startsWith(a),
  endsWith: (s, a) => s.endsWith(a),
  contains: (s, a) => s.includes(a),
};

function call(fn: string, target: Expr | undefined, args: Expr[]): Node {
  if (target) return method(fn, target, args);
  const compare = COMPARE[fn];
  if (compare) return comparison(args, compare);
  switch (fn) {
    case '_==_':
      return equality(args, false);
    case '_!=_':
      return equality(args, true);
    case '_&&_':
      return logical(args, false);
    case '_||_':
      return logical(args, true);
    case '!_':
      return not(args);
    case '@in':
      return inList(args);
    case '_?_:_':
      return conditional(args);
    default:
      throw new Unsupported();
  }
}

function two(args: Expr[]): [Node, Node] {
  if (args.length !== 2) throw new Unsupported();
  return [compile(args[0]), compile(args[1])];
}

function comparison(args: Expr[], op: (a: Ordered, b: Ordered) => boolean): Node {
  const [l, r] = two(args);
  // Mixed kinds have no ordering overload in CEL; leave them to the interpreter's error.
  if (l.kind !== r.kind || l.kind === 'bool') throw new Unsupported();
  const le = l.ev;
  const re = r.ev;
  return {
    kind: 'bool',
    ev: (b) => {
      const a = le(b);
      if (a === ERR) return ERR;
      const c = re(b);
      if (c === ERR) return ERR;
      return op(a as Ordered, c as Ordered);
    },
  };
}

function equality(args: Expr[], negate: boolean): Node {
  const [l, r] = two(args);
  if (l.kind !== r.kind) throw new Unsupported();
  const le = l.ev;
  const re = r.ev;
  // Loose equality for numbers: CEL's `1 == 1.0` is true, and so is JS's `1n == 1`.
  const same = l.kind === 'num' ? (a: Value, c: Value) => a == c : (a: Value, c: Value) => a === c;
  return {
    kind: 'bool',
    ev: (b) => {
      const a = le(b);
      if (a === ERR) return ERR;
      const c = re(b);
      if (c === ERR) return ERR;
      return same(a, c) !== negate;
    },
  };
}

function logical(args: Expr[], isOr: boolean): Node {
  const [l, r] = two(args);
  if (l.kind !== 'bool' || r.kind !== 'bool') throw new Unsupported();
  const le = l.ev;
  const re = r.ev;
  // CEL's commutative logic: a decisive operand wins over an error on the other side.
  return {
    kind: 'bool',
    ev: (b) => {
      const a = le(b);
      if (a === isOr) return isOr;
      const c = re(b);
      if (c === isOr) return isOr;
      if (a === ERR || c === ERR) return ERR;
      return !isOr;
    },
  };
}

function not(args: Expr[]): Node {
  if (args.length !== 1) throw new Unsupported();
  const inner = compile(args[0]);
  if (inner.kind !== 'bool') throw new Unsupported();
  const ie = inner.ev;
  return {
    kind: 'bool',
    ev: (b) => {
      const v = ie(b);
      return v === ERR ? ERR : !v;
    },
  };
}

function inList(args: Expr[]): Node {
  if (args.length !== 2) throw new Unsupported();
  const needle = compile(args[0]);
  const list = args[1]?.exprKind;
  if (list?.case !== 'listExpr') throw new Unsupported();
  const values = list.value.elements.map((el) => {
    const n = compile(el);
    const c = el.exprKind;
    if (c.case !== 'constExpr' || n.kind !== needle.kind) throw new Unsupported();
    const v = n.ev({} as RuleBindings);
    return typeof v === 'bigint' ? Number(v) : v;
  });
  const set = new Set(values);
  const ne = needle.ev;
  return {
    kind: 'bool',
    ev: (b) => {
      const v = ne(b);
      if (v === ERR) return ERR;
      return set.has(typeof v === 'bigint' ? Number(v) : v);
    },
  };
}

function conditional(args: Expr[]): Node {
  if (args.length !== 3) throw new Unsupported();
  const cond = compile(args[0]);
  const yes = compile(args[1]);
  const no = compile(args[2]);
  if (cond.kind !== 'bool' || yes.kind !== no.kind) throw new Unsupported();
  const ce = cond.ev;
  const ye = yes.ev;
  const ne = no.ev;
  return {
    kind: yes.kind,
    ev: (b) => {
      const c = ce(b);
      if (c === ERR) return ERR;
      return c ? ye(b) : ne(b);
    },
  };
}

function method(fn: string, target: Expr, args: Expr[]): Node {
  const impl = STRING_METHODS[fn];
  if (!impl || args.length !== 1) throw new Unsupported();
  const t = compile(target);
  const a = compile(args[0]);
  if (t.kind !== 'str' || a.kind !== 'str') throw new Unsupported();
  const te = t.ev;
  const ae = a.ev;
  return {
    kind: 'bool',
    ev: (b) => {
      const s = te(b);
      if (s === ERR) return ERR;
      const x = ae(b);
      if (x === ERR) return ERR;
      return impl(s as string, x as string);
    },
  };
}
