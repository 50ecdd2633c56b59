#!/usr/bin/env python3
"""Compares a table from extract.py with facts gathered by running vLLM's own parser (a reference JSON such as
../shared/reference/vllm-cli.json, keyed by `v<version>`): flag names, boolean flags, choices, nargs, and the value
lists. Prints every difference and exits 1 if there is one.

Usage: compare-reference.py TABLE.json REFERENCE.json
"""
import json
import sys


def main() -> int:
    table = json.load(open(sys.argv[1]))
    ref = json.load(open(sys.argv[2]))['versions'][f"v{table['vllm']}"]
    ours = dict(table['flags'])
    for entry in table['flags'].values():  # the reference lists each --no- form as a flag of its own
        if 'negation' in entry:
            ours[entry['negation']] = {'type': 'bool', 'action': 'boolean_optional'}
    theirs = ref['flags']
    diffs = [f'only in reference: {n}' for n in sorted(set(theirs) - set(ours))]
    diffs += [f'only in table: {n}' for n in sorted(set(ours) - set(theirs))]
    for name in sorted(set(ours) & set(theirs)):
        a, b = ours[name], theirs[name]
        if (a['type'] == 'bool') != (b['type'] == 'bool'):
            diffs.append(f"{name}: bool {a['type']} vs {b['type']}")
        choices_a = sorted(map(str, a.get('choices') or []))
        choices_b = sorted(str(c) for c in b.get('choices') or [] if c is not None and c != 'None')
        if choices_a != choices_b:
            diffs.append(f'{name}: choices {choices_a} vs {choices_b}')
        if str(a.get('nargs')) != str(b.get('nargs')):
            diffs.append(f"{name}: nargs {a.get('nargs')} vs {b.get('nargs')}")
        if a['type'] == 'bool' and (a['action'] == 'store_true') != ('StoreTrue' in b['action']):
            diffs.append(f"{name}: action {a['action']} vs {b['action']}")
    lists = [
        ('kvCacheDtypes', ref['kv_cache_dtypes']),
        ('quantizationMethods', ref['quantization_methods']),
        ('deprecatedQuantizationMethods', ref['deprecated_quantization_methods'] or []),
    ]
    lists += [('speculative.methods', ref['speculative_methods']), ('speculative.keys', ref['speculative_keys'])]
    for key, expected in lists:
        got = table['speculative'][key.split('.')[1]] if key.startswith('speculative.') else table[key]
        if sorted(got) != sorted(expected):
            diffs.append(f'{key}: table {sorted(set(got) - set(expected))} reference {sorted(set(expected) - set(got))}')
    for d in diffs:
        print(d)
    print(f"v{table['vllm']}: {len(table['flags'])} flags, {len(ours)} with --no- forms, reference {len(theirs)}; {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == '__main__':
    sys.exit(main())
