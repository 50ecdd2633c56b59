#!/usr/bin/env python3
"""Reads the `vllm serve` truth table out of a vLLM release's own Python sources, without importing them.

vLLM builds its parser from config dataclasses (`get_kwargs(ModelConfig)` turns each field's type hint into argparse
keyword arguments, vllm/engine/arg_utils.py `_compute_kwargs`). Running that needs torch and the rest of vLLM's heavy
dependencies, so this script reads the same sources with `ast` instead and applies the same rules to the type hints:
a field typed `bool` becomes a `--x/--no-x` pair, a `Literal[...]` becomes choices (metavar only when `str` is also
allowed), a dataclass becomes JSON, lists take one or more values. It follows the calls `make_arg_parser` makes
(`FrontendArgs.add_cli_args`, `AsyncEngineArgs.add_cli_args`, `EngineArgs.add_cli_args`) and every `add_argument`
in them, with the edits those functions make to the generated keyword arguments.

Usage: extract.py WHEEL_OR_DIR VERSION  (a vllm wheel, or a folder holding the unpacked `vllm/` package); prints JSON.
"""
from __future__ import annotations

import ast
import functools
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

BUILTIN_SCALARS = {'int', 'float', 'str', 'bool', 'bytes'}
PARSER_MODULES = ['vllm.entrypoints.common.cli_args', 'vllm.entrypoints.openai.cli_args']


@dataclass(frozen=True)
class Atom:
    """One member of a flattened type hint: a builtin, None, a Literal, a container or a class."""

    kind: str  # int float str bool None dict list tuple set literal dataclass other
    values: tuple = ()  # literal options
    elem: tuple = ()  # container element atoms


@dataclass
class Flag:
    names: list[str]
    dest: str
    type: str = 'str'
    action: str = 'store'
    choices: list | None = None
    suggested: list | None = None
    nargs: str | int | None = None
    group: str = ''


class Sources:
    """The modules of the unpacked package, parsed on demand."""

    def __init__(self, root: Path):
        # A wheel is a zip: read its Python files in place rather than unpacking hundreds of MB of kernels.
        if root.is_file():
            archive = zipfile.ZipFile(root)
            self.files = {n: (lambda n=n: archive.read(n).decode('utf-8')) for n in archive.namelist() if n.endswith('.py')}
        else:
            self.files = {str(p.relative_to(root)): (lambda p=p: p.read_text(encoding='utf-8')) for p in root.rglob('*.py')}
        self.cache: dict[str, ast.Module | None] = {}

    def path_of(self, mod: str) -> str | None:
        base = '/'.join(mod.split('.'))
        return next((p for p in (f'{base}.py', f'{base}/__init__.py') if p in self.files), None)

    def module(self, mod: str) -> ast.Module | None:
        if mod not in self.cache:
            p = self.path_of(mod)
            self.cache[mod] = ast.parse(self.files[p]()) if p else None
        return self.cache[mod]

    def is_package(self, mod: str) -> bool:
        p = self.path_of(mod)
        return p is not None and p.endswith('/__init__.py')

    def absolute(self, mod: str, node: ast.ImportFrom) -> str:
        if node.level == 0:
            return node.module or ''
        parts = mod.split('.')
        package = parts if self.is_package(mod) else parts[:-1]
        package = package[: len(package) - (node.level - 1)]
        return '.'.join(package + ([node.module] if node.module else []))

    def resolve(self, mod: str, name: str, depth: int = 0) -> tuple[str, ast.AST] | None:
        """The definition of `name` as seen from module `mod`: (defining module, ClassDef / value expression)."""
        tree = self.module(mod)
        if tree is None or depth > 12:
            return None
        for stmt in top_level(tree.body):
            if isinstance(stmt, (ast.ClassDef, ast.FunctionDef)) and stmt.name == name:
                return mod, stmt
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
                return mod, stmt.value
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name and stmt.value:
                return mod, stmt.value
            if getattr(ast, 'TypeAlias', None) and isinstance(stmt, ast.TypeAlias) and stmt.name.id == name:
                return mod, stmt.value
        for stmt in top_level(tree.body):
            if isinstance(stmt, ast.ImportFrom):
                for alias in stmt.names:
                    if (alias.asname or alias.name) == name:
                        src = self.absolute(mod, stmt)
                        if src.split('.')[0] != 'vllm':
                            return None
                        if self.module(f'{src}.{alias.name}') is not None:
                            return None  # a submodule, not a name
                        return self.resolve(src, alias.name, depth + 1)
        return None


def top_level(body: list[ast.stmt]):
    """Top-level statements, including those under `if TYPE_CHECKING:` and `try:` blocks."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from top_level(stmt.body)
            yield from top_level(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            yield from top_level(stmt.body)
            for h in stmt.handlers:
                yield from top_level(h.body)


def name_of(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ''


class TypeReader:
    """Flattens a type hint the way vllm's `get_type_hints` does (Annotated and unions unwrapped)."""

    def __init__(self, src: Sources):
        self.src = src

    def atoms(self, mod: str, node: ast.AST | None, depth: int = 0) -> list[Atom]:
        if node is None or depth > 20:
            return [Atom('other')]
        if isinstance(node, ast.Constant):
            if node.value is None:
                return [Atom('None')]
            if isinstance(node.value, str):  # a forward reference
                return self.atoms(mod, ast.parse(node.value, mode='eval').body, depth + 1)
            return [Atom('other')]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self.atoms(mod, node.left, depth + 1) + self.atoms(mod, node.right, depth + 1)
        if isinstance(node, ast.Subscript):
            return self.subscript(mod, node, depth)
        if isinstance(node, ast.Name):
            return self.named(mod, node.id, depth)
        return [Atom('other')]  # torch.dtype and other attributes: not builtins, so argparse takes a str

    def named(self, mod: str, name: str, depth: int) -> list[Atom]:
        if name in BUILTIN_SCALARS:
            return [Atom(name)]
        if name in ('dict', 'Dict', 'Mapping'):
            return [Atom('dict')]
        if name in ('list', 'List', 'tuple', 'Tuple', 'set', 'Set'):
            return [Atom(name.lower(), elem=(Atom('other'),))]
        found = self.src.resolve(mod, name)
        if found is None:
            return [Atom('other')]
        where, node = found
        if isinstance(node, ast.ClassDef):
            if is_dataclass(node):
                return [Atom('dataclass')]
            if any(name_of(b) == 'dict' for b in node.bases):
                return [Atom('dict')]
            return [Atom('other')]
        if isinstance(node, ast.FunctionDef):
            return [Atom('other')]
        return self.atoms(where, node, depth + 1)

    def subscript(self, mod: str, node: ast.Subscript, depth: int) -> list[Atom]:
        head = name_of(node.value)
        args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if head == 'Literal':
            return [Atom('literal', values=tuple(self.literal_values(mod, args, depth)))]
        if head == 'Optional':
            return self.atoms(mod, args[0], depth + 1) + [Atom('None')]
        if head == 'Union':
            return [a for arg in args for a in self.atoms(mod, arg, depth + 1)]
        if head == 'Annotated':
            return self.atoms(mod, args[0], depth + 1)
        if head in ('list', 'List', 'Sequence', 'set', 'Set', 'tuple', 'Tuple'):
            kind = {'List': 'list', 'Sequence': 'list', 'Set': 'set', 'Tuple': 'tuple'}.get(head, head)
            elems = [a for a in args if not (isinstance(a, ast.Constant) and a.value is Ellipsis)]
            elem_atoms = self.atoms(mod, elems[0], depth + 1) if elems else [Atom('other')]
            fixed = kind == 'tuple' and len(elems) == len(args)
            return [Atom(kind, values=(len(args),) if fixed else (), elem=tuple(elem_atoms))]
        if head in ('dict', 'Dict', 'Mapping'):
            return [Atom('dict')]
        return [Atom('other')]

    def literal_values(self, mod: str, args: list[ast.AST], depth: int) -> list:
        values: list = []
        for a in args:
            if isinstance(a, ast.Constant):
                values.append(a.value)
                continue
            for atom in self.atoms(mod, a, depth + 1):  # Literal[A, B] where A, B are Literal aliases
                values.extend(atom.values if atom.kind == 'literal' else [])
        return values


def is_dataclass(cls: ast.ClassDef) -> bool:
    return any(name_of(d.func if isinstance(d, ast.Call) else d) in ('dataclass', 'config') for d in cls.decorator_list)


def scalar_type(atoms: list[Atom]) -> str:
    kinds = {a.kind for a in atoms}
    for k in ('int', 'float'):
        if k in kinds:
            return k
    return 'str'


def flag_kwargs(atoms: list[Atom]) -> dict:
    """`_compute_kwargs` for one field, on flattened atoms."""
    kinds = {a.kind for a in atoms}
    out: dict = {}
    if 'dataclass' in kinds:
        out['type'] = 'json'
    elif kinds == {'bool', 'str', 'None'}:
        out.update(type='bool|str', nargs='?')
    elif 'bool' in kinds:
        out.update(type='bool', action='boolean_optional')
    elif 'literal' in kinds:
        options = next(a.values for a in atoms if a.kind == 'literal')
        out['type'] = 'int' if all(isinstance(v, int) for v in options) else 'str'
        out['suggested' if 'str' in kinds else 'choices'] = sorted(options, key=lambda v: (str(type(v)), v))
    elif kinds & {'tuple', 'list', 'set'}:
        coll = next(a for a in atoms if a.kind in ('tuple', 'list', 'set'))
        elem = [e for e in coll.elem if e.kind != 'None']
        if any(e.kind == 'literal' for e in elem):
            out.update(flag_kwargs(elem))
        else:
            out['type'] = 'str' if len({e.kind for e in elem}) > 1 else scalar_type(elem)
        out['nargs'] = coll.values[0] if coll.kind == 'tuple' and coll.values else '+'
    elif 'int' in kinds:
        out['type'] = 'int'
    elif 'float' in kinds:
        out['type'] = 'float'
    elif 'dict' in kinds:
        out['type'] = 'json|str' if ('str' in kinds or 'other' in kinds or 'dataclass' in kinds) else 'json'
    else:
        out['type'] = 'str'
    return out


def const(node: ast.AST):
    return node.value if isinstance(node, ast.Constant) else None


def subscript_key(node: ast.AST) -> tuple[ast.AST, str] | None:
    if isinstance(node, ast.Subscript) and isinstance(const(node.slice), str):
        return node.value, node.slice.value
    return None


class ParserReader:
    """Follows `make_arg_parser` and collects every flag it adds."""

    def __init__(self, src: Sources):
        self.src = src
        self.types = TypeReader(src)
        self.flags: list[Flag] = []
        self.group = 'options'

    # --- classes and their dataclass fields ---------------------------------------------------------------
    def cls(self, mod: str, name: str) -> tuple[str, ast.ClassDef] | None:
        found = self.src.resolve(mod, name)
        return found if found and isinstance(found[1], ast.ClassDef) else None  # type: ignore[return-value]

    def mro(self, mod: str, node: ast.ClassDef) -> list[tuple[str, ast.ClassDef]]:
        out = [(mod, node)]
        for b in node.bases:
            base = self.cls(mod, name_of(b))
            if base:
                out += [c for c in self.mro(*base) if c not in out]
        return out

    def fields(self, mod: str, node: ast.ClassDef) -> dict[str, list[Atom]]:
        """Dataclass fields in definition order, base classes first."""
        out: dict[str, list[Atom]] = {}
        for m, c in reversed(self.mro(mod, node)):
            for stmt in c.body:
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                    ann = stmt.annotation
                    if name_of(ann.value if isinstance(ann, ast.Subscript) else ann) in ('ClassVar', 'InitVar'):
                        continue
                    out[stmt.target.id] = self.types.atoms(m, ann)
        return out

    def kwargs_of(self, mod: str, class_name: str) -> dict[str, dict]:
        found = self.cls(mod, class_name)
        if not found:
            raise SystemExit(f'cannot find class {class_name} from {mod}')
        out = {k: flag_kwargs(v) for k, v in self.fields(*found).items()}
        for k, kw in out.items():  # _compute_kwargs parses these with human_readable_int(_or_auto): 32k, 1M
            if kw.get('type') == 'int' and k in self.human_readable:
                kw['type'] = 'int|auto' if k == 'max_model_len' else 'int|human'
        return out

    @functools.cached_property
    def human_readable(self) -> set[str]:
        tree = self.src.module('vllm.engine.arg_utils')
        names = {'max_model_len'}
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.Assign) and name_of(node.targets[0]) == 'human_readable_int_args':
                names |= {const(e) for e in getattr(node.value, 'elts', [])}
        return names

    def method(self, mod: str, node: ast.ClassDef, name: str) -> tuple[str, ast.ClassDef, ast.FunctionDef] | None:
        for m, c in self.mro(mod, node):
            for stmt in c.body:
                if isinstance(stmt, ast.FunctionDef) and stmt.name == name:
                    return m, c, stmt
        return None

    # --- walking function bodies ---------------------------------------------------------------------------
    def run_function(self, mod: str, fn: ast.FunctionDef, env: dict, self_cls: tuple[str, ast.ClassDef] | None) -> None:
        for stmt in fn.body:
            self.stmt(mod, stmt, env, self_cls)

    def stmt(self, mod: str, stmt: ast.stmt, env: dict, self_cls) -> None:
        if isinstance(stmt, (ast.If, ast.With, ast.Try)):
            for s in getattr(stmt, 'body', []) + getattr(stmt, 'orelse', []):
                self.stmt(mod, s, env, self_cls)
            return
        if isinstance(stmt, ast.For):
            self.for_loop(mod, stmt, env, self_cls)
            return
        if isinstance(stmt, ast.Delete):
            for t in stmt.targets:
                key = subscript_key(t)
                target = key and self.kwargs_dict(key[0], env)
                if target is not None:
                    target.pop(key[1], None)
            return
        if isinstance(stmt, ast.Assign):
            self.assign(mod, stmt, env, self_cls)
            return
        if isinstance(stmt, ast.AugAssign):
            self.extend(mod, stmt, env)
            return
        if isinstance(stmt, (ast.Expr, ast.Return)) and stmt.value is not None:
            self.expr(mod, stmt.value, env, self_cls)

    def assign(self, mod: str, stmt: ast.Assign, env: dict, self_cls) -> None:
        target = stmt.targets[0]
        key = subscript_key(target)
        if key:  # kwargs["field"]["type"] = ... or kwargs["type"] = ...
            d = self.kwargs_dict(key[0], env)
            if d is not None:
                d[key[1]] = self.kwarg_value(mod, key[1], stmt.value, env)
            return
        if not isinstance(target, ast.Name):
            self.expr(mod, stmt.value, env, self_cls)
            return
        value = self.expr(mod, stmt.value, env, self_cls)
        if isinstance(value, dict):
            env[target.id] = value

    def extend(self, mod: str, stmt: ast.AugAssign, env: dict) -> None:
        """`kwargs["field"]["choices"] += [...]`: added choices; ones this reader cannot evaluate open the flag up."""
        key = subscript_key(stmt.target)
        d = key and self.kwargs_dict(key[0], env)
        if not d or key[1] != 'choices':
            return
        added = self.kwarg_value(mod, 'choices', stmt.value, env)
        if isinstance(added, list) and isinstance(d.get('choices'), list):
            d['choices'] = d['choices'] + added
        else:
            d['suggested'] = d.pop('choices', None)

    def kwargs_dict(self, node: ast.AST, env: dict) -> dict | None:
        if isinstance(node, ast.Name):
            v = env.get(node.id)
            return v if isinstance(v, dict) else None
        key = subscript_key(node)
        if key:
            outer = self.kwargs_dict(key[0], env)
            inner = outer.get(key[1]) if outer else None
            return inner if isinstance(inner, dict) else None
        return None

    def expr(self, mod: str, node: ast.AST, env: dict, self_cls):
        """Evaluates what matters: get_kwargs(...), kwargs lookups, add_cli_args / add_argument calls."""
        if isinstance(node, ast.Subscript):
            return self.kwargs_dict(node, env)
        if isinstance(node, ast.Name):
            return env.get(node.id)
        if not isinstance(node, ast.Call):
            return None
        fn = node.func
        fname = name_of(fn)
        if fname == 'get_kwargs':
            arg = node.args[0]
            if isinstance(arg, ast.Name) and arg.id == 'cls' and self_cls:
                return self.kwargs_of(self_cls[0], self_cls[1].name)
            return self.kwargs_of(mod, name_of(arg))
        if fname == 'add_argument':
            self.add_argument(mod, node, env)
            return None
        if fname == 'add_argument_group':
            title = next((const(k.value) for k in node.keywords if k.arg == 'title'), None)
            if isinstance(title, str):
                self.group = title
            return None
        if isinstance(fn, ast.Attribute):
            owner = fn.value
            target_cls = None
            if isinstance(owner, ast.Name) and owner.id == 'cls' and self_cls:
                target_cls = self_cls
            elif isinstance(owner, ast.Call) and name_of(owner.func) == 'super' and self_cls:
                target_cls = ('super', self_cls)
            elif isinstance(owner, ast.Name):
                target_cls = self.cls(mod, owner.id)
            if target_cls and target_cls[0] == 'super':
                m, c = target_cls[1]
                base = next((self.cls(m, name_of(b)) for b in c.bases if self.cls(m, name_of(b))), None)
                return self.call_method(base, fn.attr, node, env, bound_cls=self_cls) if base else None
            if target_cls:
                return self.call_method(target_cls, fn.attr, node, env, bound_cls=target_cls)
        return None

    def call_method(self, cls_ref, method: str, call: ast.Call, env: dict, bound_cls):
        found = self.method(cls_ref[0], cls_ref[1], method)
        if not found:
            return None
        m, _, fn = found
        params = [a.arg for a in fn.args.args if a.arg not in ('cls', 'self')]
        inner: dict = {}
        for p, a in zip(params, call.args):
            v = self.expr(m, a, env, bound_cls) if not isinstance(a, ast.Name) else env.get(a.id)
            if isinstance(v, dict):
                inner[p] = v
        result = None
        for stmt in fn.body:
            if isinstance(stmt, ast.Return) and stmt.value is not None:
                result = self.expr(m, stmt.value, inner, bound_cls)
            else:
                self.stmt(m, stmt, inner, bound_cls)
        return result

    def for_loop(self, mod: str, stmt: ast.For, env: dict, self_cls) -> None:
        # `for key, value in kwargs.items(): add_argument(*extra, f"--{key...}", **value)`: one flag per field.
        it = stmt.iter
        if (
            isinstance(it, ast.Call)
            and name_of(it.func) == 'items'
            and isinstance(stmt.target, ast.Tuple)
            and isinstance(it.func, ast.Attribute)
        ):
            source = self.kwargs_dict(it.func.value, env)
            if source is None:
                return
            for key, value in source.items():
                aliases = value.pop('flags', []) if isinstance(value, dict) else []
                self.flags.append(make_flag([*aliases, '--' + key.replace('_', '-')], key, dict(value), self.group))

    def kwarg_value(self, mod: str, key: str, node: ast.AST, env: dict):
        if key == 'action':
            n = name_of(node)
            if n == 'BooleanOptionalAction':
                return 'boolean_optional'
            return const(node) if isinstance(const(node), str) else n
        if key == 'type':
            return type_name(node)
        if key in ('choices', 'flags'):
            if isinstance(node, (ast.List, ast.Tuple)):
                return [const(e) for e in node.elts]
            if isinstance(node, ast.Call) and name_of(node.func) == 'get_args':
                atoms = self.types.atoms(mod, node.args[0])
                return sorted(v for a in atoms for v in a.values)
            return None
        if key == 'nargs':
            return const(node)
        if key == 'dest':
            return const(node)
        return '<expr>'

    def add_argument(self, mod: str, call: ast.Call, env: dict) -> None:
        names = [const(a) for a in call.args if isinstance(const(a), str)]
        if not names or not names[0].startswith('-'):
            return  # the positional model_tag
        kwargs: dict = {}
        for kw in call.keywords:
            if kw.arg is None:
                kwargs.update(self.unpack(mod, kw.value, env))
            else:
                kwargs[kw.arg] = self.kwarg_value(mod, kw.arg, kw.value, env)
        dest = kwargs.get('dest') or next(n for n in names if n.startswith('--'))[2:].replace('-', '_')
        self.flags.append(make_flag(names, dest, kwargs, self.group))

    def unpack(self, mod: str, node: ast.AST, env: dict) -> dict:
        if isinstance(node, ast.Dict):
            out: dict = {}
            for k, v in zip(node.keys, node.values):
                if k is None:
                    out.update(self.unpack(mod, v, env))
                elif isinstance(const(k), str):
                    out[k.value] = self.kwarg_value(mod, k.value, v, env)
            return out
        d = self.kwargs_dict(node, env)
        return dict(d) if d else {}


def type_name(node: ast.AST) -> str:
    """What an argparse `type=` callable parses, as a table type."""
    if isinstance(node, ast.Call) and name_of(node.func) in ('optional_type', 'parse_type'):
        return type_name(node.args[0])
    n = name_of(node)
    if n == 'int':
        return 'int'
    if n == 'human_readable_int':
        return 'int|human'
    if n == 'human_readable_int_or_auto':
        return 'int|auto'
    if n == 'float':
        return 'float'
    if n == 'loads':
        return 'json'
    if n == 'union_dict_and_str':
        return 'json|str'
    return 'str'


def make_flag(names: list[str], dest: str, kwargs: dict, group: str) -> Flag:
    action = kwargs.get('action') or 'store'
    ftype = kwargs.get('type') or ('bool' if action in ('store_true', 'store_false', 'boolean_optional') else 'str')
    if action in ('store_true', 'store_false', 'boolean_optional'):
        ftype = 'bool'
    choices = kwargs.get('choices')
    return Flag(
        names=[n for n in names if n],
        dest=dest,
        type=ftype,
        action=action if isinstance(action, str) else 'custom',
        choices=[c for c in choices if c is not None] if isinstance(choices, list) else None,
        suggested=kwargs.get('suggested'),
        nargs=kwargs.get('nargs'),
        group=group,
    )


def literal_list(src: Sources, mod: str, name: str) -> list:
    found = src.resolve(mod, name)
    if not found:
        raise SystemExit(f'cannot find {name} in {mod}')
    where, node = found
    if isinstance(node, (ast.List, ast.Tuple)):
        return [const(e) for e in node.elts]
    atoms = TypeReader(src).atoms(where, node)
    return [v for a in atoms for v in a.values]


def table(root: Path, version: str) -> dict:
    src = Sources(root)
    parser_mod = next((m for m in PARSER_MODULES if src.module(m) and src.resolve(m, 'make_arg_parser')), None)
    if parser_mod is None:
        raise SystemExit('make_arg_parser not found')
    reader = ParserReader(src)
    _, fn = src.resolve(parser_mod, 'make_arg_parser')  # type: ignore[misc]
    reader.run_function(parser_mod, fn, {}, None)  # type: ignore[arg-type]

    flags: dict[str, dict] = {}
    for f in reader.flags:
        long = next(n for n in f.names if n.startswith('--'))
        entry: dict = {'type': f.type, 'action': f.action, 'dest': f.dest, 'group': f.group}
        for key in ('choices', 'suggested', 'nargs'):
            value = getattr(f, key)
            if value is not None:
                entry[key] = value
        aliases = [n for n in f.names if n != long]
        if aliases:
            entry['aliases'] = aliases
        if f.action == 'boolean_optional':  # argparse adds the --no- form of each long name
            entry['negation'] = '--no-' + long[2:]
        flags[long] = entry

    quant_mod = 'vllm.model_executor.layers.quantization'
    spec_found = reader.cls('vllm.config.speculative', 'SpeculativeConfig')
    spec_fields = reader.fields(*spec_found) if spec_found else {}
    method_atoms = spec_fields.get('method', [])
    deprecated = src.resolve(quant_mod, 'DEPRECATED_QUANTIZATION_METHODS')
    lora_ranks = flags.get('--max-lora-rank', {}).get('choices')
    return {
        'vllm': version,
        'source': f'pip download vllm=={version} --no-deps; read by scripts/vllm-flags/extract.py',
        'flags': dict(sorted(flags.items())),
        'kvCacheDtypes': literal_list(src, 'vllm.config.cache', 'CacheDType'),
        'quantizationMethods': literal_list(src, quant_mod, 'QuantizationMethods'),
        'deprecatedQuantizationMethods': literal_list(src, quant_mod, 'DEPRECATED_QUANTIZATION_METHODS') if deprecated else [],
        'speculative': {
            'methods': [v for a in method_atoms for v in a.values],
            'keys': list(spec_fields),
        },
        'maxLoraRanks': lora_ranks or [],
    }


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    print(json.dumps(table(Path(sys.argv[1]), sys.argv[2]), indent=1))


if __name__ == '__main__':
    main()
