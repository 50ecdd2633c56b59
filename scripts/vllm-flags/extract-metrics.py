#!/usr/bin/env python3
"""Reads the Prometheus metrics a vLLM release exports out of its own Python sources, without importing them.

vLLM's `PrometheusStatLogger.__init__` (vllm/v1/metrics/loggers.py) creates every engine metric with
`self._gauge_cls / _counter_cls / _histogram_cls(name=..., documentation=..., labelnames=..., buckets=...)`, the
speculative-decoding counters come from `SpecDecodingProm.__init__` (vllm/v1/spec_decode/metrics.py), and histogram
buckets from one family each in vllm/v1/metrics/buckets.py (`histogram_buckets("family", max_model_len=...)`). This
script walks those two constructors with `ast`, evaluates the simple expressions they use (string literals and their
concatenation, `labelnames + [...]`, attributes set to strings), and records for each metric: its type, help text,
label names, bucket family, the label values the constructor creates children for (`for reason in X: m.labels(...)`,
resolved when X is a literal, a module constant, a class attribute, a str Enum or an IntEnum whose `__str__` indexes a
tuple), and the `if` conditions it is created under (none: every engine exports it).

Usage: extract-metrics.py WHEEL_OR_DIR VERSION; prints JSON.
"""
from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

from extract import Sources, top_level  # the sibling reader of the CLI table

CONSTRUCTORS = [('vllm.v1.metrics.loggers', 'PrometheusStatLogger'), ('vllm.v1.spec_decode.metrics', 'SpecDecodingProm')]
BUCKETS_MODULE = 'vllm.v1.metrics.buckets'
TYPES = {'_gauge_cls': 'gauge', '_counter_cls': 'counter', '_histogram_cls': 'histogram',
         'Gauge': 'gauge', 'Counter': 'counter', 'Histogram': 'histogram'}
BASE_LABELS = ['model_name', 'engine']


class Walker:
    def __init__(self, src: Sources):
        self.src = src
        self.metrics: dict[str, dict] = {}

    # -- values ---------------------------------------------------------------------------------------------------
    def value(self, mod: str, node: ast.AST, env: dict):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = self.value(mod, node.left, env), self.value(mod, node.right, env)
            return a + b if a is not None and b is not None and type(a) is type(b) else None
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.value(mod, e, env) for e in node.elts]
            return None if any(i is None for i in items) else list(items)
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            found = self.src.resolve(mod, node.id)
            if found and not isinstance(found[1], (ast.ClassDef, ast.FunctionDef)):
                return self.value(found[0], found[1], {})
            return None
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == 'self':
                return env.get(f'self.{node.attr}')
            if isinstance(node.value, ast.Name):
                found = self.src.resolve(mod, node.value.id)
                if found and isinstance(found[1], ast.ClassDef):
                    for stmt in found[1].body:
                        target = stmt.target if isinstance(stmt, ast.AnnAssign) else (stmt.targets[0] if isinstance(stmt, ast.Assign) else None)
                        if isinstance(target, ast.Name) and target.id == node.attr and stmt.value is not None:
                            return self.value(found[0], stmt.value, {})
        return None

    def iteration_values(self, mod: str, node: ast.AST, env: dict) -> list | None:
        """What `for x in NODE` iterates over, as label values."""
        direct = self.value(mod, node, env)
        if isinstance(direct, list):
            return [str(v) for v in direct]
        if isinstance(node, ast.Name):
            found = self.src.resolve(mod, node.id)
            if found and isinstance(found[1], ast.ClassDef):
                return self.enum_strings(found[0], found[1])
        return None

    def enum_strings(self, mod: str, cls: ast.ClassDef) -> list | None:
        """str(member) of an Enum: its string value, or `TUPLE[self.value]` when `__str__` says so."""
        for fn in cls.body:
            if isinstance(fn, ast.FunctionDef) and fn.name == '__str__':
                ret = next((s for s in ast.walk(fn) if isinstance(s, ast.Return)), None)
                if ret and isinstance(ret.value, ast.Subscript):
                    table = self.value(mod, ret.value.value, {})
                    count = sum(1 for s in cls.body if isinstance(s, ast.Assign))
                    return [str(v) for v in table[:count]] if isinstance(table, list) else None
        values = [s.value.value for s in cls.body if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant)]
        return [str(v) for v in values] or None

    # -- the constructor ----------------------------------------------------------------------------------------
    def run(self, mod: str, cls_name: str) -> None:
        found = self.src.resolve(mod, cls_name)
        if not found or not isinstance(found[1], ast.ClassDef):
            raise SystemExit(f'{mod}.{cls_name} not found')
        init = next(f for f in found[1].body if isinstance(f, ast.FunctionDef) and f.name == '__init__')
        # SpecDecodingProm takes `labelnames` as an argument: PrometheusStatLogger passes its own, the base labels.
        env: dict = {'labelnames': list(BASE_LABELS)}
        self.block(mod, init.body, env, [], {})

    def block(self, mod: str, body: list[ast.stmt], env: dict, conditions: list[str], locals_: dict) -> None:
        for stmt in body:
            if isinstance(stmt, ast.If) and len(stmt.body) == 1 and isinstance(stmt.body[0], ast.Return) and not stmt.orelse:
                # `if X: return`: everything after it is created only when X is false.
                conditions = conditions + [f'not ({ast.unparse(stmt.test)})']
                continue
            if isinstance(stmt, ast.If):
                test = ast.unparse(stmt.test)
                self.block(mod, stmt.body, env, conditions + [test], locals_)
                self.block(mod, stmt.orelse, env, conditions + [f'not ({test})'], locals_)
                continue
            if isinstance(stmt, ast.For):
                self.loop(mod, stmt.target, stmt.iter, stmt.body, env, locals_)
                self.block(mod, stmt.body, env, conditions, locals_)
                continue
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                value = stmt.value
                if value is None:
                    continue
                call = self.metric_call(value)
                for t in targets:
                    key = t.id if isinstance(t, ast.Name) else (f'self.{t.attr}' if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == 'self' else None)
                    if key is None:
                        continue
                    if call is not None:
                        locals_[key] = self.define(mod, call, env, conditions)
                    else:
                        v = self.value(mod, value, env)
                        if v is not None:
                            env[key] = v
                            # Every list a name is given, with the branch it is given in (`specs = [...]` per case).
                            env.setdefault(f'rows:{key}', []).append((v, conditions))
                        elif isinstance(value, ast.Call) and ast.unparse(value.func).endswith('histogram_buckets') and value.args:
                            env[key] = {'bucketFamily': self.value(mod, value.args[0], env)}
                # Metrics created inside comprehensions (`[self._counter_cls(name=name, ...) for name, doc in specs]`).
                for node in ast.walk(value):
                    if isinstance(node, (ast.ListComp, ast.DictComp)):
                        self.comprehension(mod, node, env, conditions)
                    if isinstance(node, (ast.ListComp, ast.DictComp)):
                        elt = [node.elt] if isinstance(node, ast.ListComp) else [node.key, node.value]
                        for gen in node.generators:
                            self.loop(mod, gen.target, gen.iter, elt, env, locals_)


    def metric_call(self, node: ast.AST) -> ast.Call | None:
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else (f.id if isinstance(f, ast.Name) else '')
            if name in TYPES and any(k.arg == 'name' for k in node.keywords):
                return node
        return None

    def define(self, mod: str, call: ast.Call, env: dict, conditions: list[str], bindings: dict | None = None) -> str | None:
        kw = {k.arg: k.value for k in call.keywords}
        scope = {**env, **(bindings or {})}
        name = self.value(mod, kw['name'], scope)
        if not isinstance(name, str):
            return None
        f = call.func
        entry: dict = {
            'type': TYPES[f.attr if isinstance(f, ast.Attribute) else f.id],
            'help': self.value(mod, kw['documentation'], scope) if 'documentation' in kw else None,
            'labels': self.value(mod, kw['labelnames'], scope) if 'labelnames' in kw else [],
        }
        if entry['labels'] is None:
            raise SystemExit(f'{name}: cannot read labelnames={ast.unparse(kw["labelnames"])}')
        if 'buckets' in kw:
            buckets = self.value(mod, kw['buckets'], scope)
            entry['bucketFamily'] = buckets.get('bucketFamily') if isinstance(buckets, dict) else None
        if conditions:
            entry['when'] = list(dict.fromkeys(conditions))
        self.metrics[name] = entry
        return name

    def comprehension(self, mod: str, node: ast.AST, env: dict, conditions: list[str]) -> None:
        gen = node.generators[0]
        inner = node.elt if isinstance(node, ast.ListComp) else node.value
        names = [name_id(t) for t in gen.target.elts] if isinstance(gen.target, ast.Tuple) else [name_id(gen.target)]
        for call in [c for c in ast.walk(inner) if self.metric_call(c) is not None]:
            # `for name, doc in specs`: one metric per literal row of each list `specs` was given, in its branch.
            for rows, when in env.get(f'rows:{name_id(gen.iter)}', []):
                for row in rows:
                    if isinstance(row, list) and len(row) == len(names):
                        self.define(mod, call, env, conditions + when, dict(zip(names, row)))

    def loop(self, mod: str, target: ast.AST, it: ast.AST, body: list[ast.AST], env: dict, locals_: dict) -> None:
        """A loop (or comprehension) over label values whose body makes children of one metric: its label's values."""
        values = self.iteration_values(mod, it, env)
        var = name_id(target)
        # Loops over the engines make one child per engine (the `engine` label), not per value of another label.
        if values is None or var is None or 'engine' in ast.unparse(it):
            return
        nodes = [n for b in body for n in ast.walk(b)]
        metrics = {locals_[k] for k in map(local_key, nodes) if k in locals_ and locals_[k] in self.metrics}
        if len(metrics) != 1 or not any(isinstance(n, ast.Name) and n.id == var for n in nodes):
            return
        metric = metrics.pop()
        extra = [l for l in self.metrics[metric]['labels'] if l not in BASE_LABELS]
        if len(extra) == 1:
            self.metrics[metric].setdefault('labelValues', {}).setdefault(extra[0], values)


def local_key(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == 'self':
        return f'self.{node.attr}'
    return None


def name_id(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else None


def bucket_families(src: Sources) -> dict:
    found = src.resolve(BUCKETS_MODULE, '_STATIC_FAMILY_DEFAULTS')
    if not found or not isinstance(found[1], ast.Dict):
        raise SystemExit('buckets.py: _STATIC_FAMILY_DEFAULTS not found')
    walker = Walker(src)
    out = {}
    for k, v in zip(found[1].keys, found[1].values):
        out[walker.value(BUCKETS_MODULE, k, {})] = walker.value(BUCKETS_MODULE, v, {})
    # request_tokens is computed: build_1_2_5_buckets(max_model_len).
    fn = src.resolve(BUCKETS_MODULE, 'histogram_buckets')
    if fn and 'build_1_2_5_buckets(max_model_len)' in ast.unparse(fn[1]):
        out['request_tokens'] = '1-2-5 series up to max_model_len'
    return out


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    src = Sources(Path(sys.argv[1]))
    walker = Walker(src)
    for mod, cls in CONSTRUCTORS:
        walker.run(mod, cls)
    out = {
        'vllm': sys.argv[2],
        'source': 'vllm/v1/metrics/loggers.py PrometheusStatLogger, vllm/v1/spec_decode/metrics.py SpecDecodingProm, '
        'vllm/v1/metrics/buckets.py; read by scripts/vllm-flags/extract-metrics.py',
        'bucketFamilies': bucket_families(src),
        'metrics': dict(sorted(walker.metrics.items())),
    }
    json.dump(out, sys.stdout, indent=1)


if __name__ == '__main__':
    main()
