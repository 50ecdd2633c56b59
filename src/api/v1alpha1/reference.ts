import { specSchema, type JsonSchema } from './schema.js';
import { DEFAULT_DCGM_EXPORTER, DEFAULT_ENGINE_IMAGE, DEFAULT_GUARDS, DEFAULT_ROUTER } from './defaults.js';
import { formatCost, POLICY_RULES_COST_LIMIT, RULE_COST_LIMIT } from './rule-cost.js';
import { PINNED_VLLM } from './vllm-cli.js';

function typeOf(s: JsonSchema): string {
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  if (s.type === 'object' && typeof s.additionalProperties === 'object')
    return `map[string]${typeOf(s.additionalProperties)}`;
  return s.type ?? 'any';
}

function constraints(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.enum) parts.push(`one of ${s.enum.map((v) => `\`${v}\``).join(', ')}`);
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.maxLength !== undefined) parts.push(`at most ${s.maxLength} characters`);
  if (s.minItems !== undefined) parts.push(`at least ${s.minItems} items`);
  if (s.maxItems !== undefined) parts.push(`at most ${s.maxItems} items`);
  if (s['x-kubernetes-list-map-keys']) parts.push(`unique by ${s['x-kubernetes-list-map-keys'].join(', ')}`);
  if (s.pattern) parts.push(`pattern \`${s.pattern.replace(/\|/g, '\\|')}\``);
  return parts.join('; ');
}

function rows(s: JsonSchema, path: string, required: boolean, out: string[]): void {
  const target = s.items ?? s;
  if (path !== 'spec') {
    out.push(
      `| \`${path}\` | ${typeOf(s)}${required ? ' (required)' : ''} | ${(s.description ?? target.description ?? '').replace(/\|/g, '\\|')} | ${constraints(s)} |`,
    );
  }
  const req = new Set(target.required ?? []);
  const childPath = s.items ? `${path}[]` : path;
  for (const [k, v] of Object.entries(target.properties ?? {})) rows(v, `${childPath}.${k}`, req.has(k), out);
}

function validations(s: JsonSchema, path: string, out: string[]): void {
  for (const v of s['x-kubernetes-validations'] ?? []) out.push(`- \`${path}\`: ${v.message} — \`${v.rule}\``);
  const target = s.items ?? s;
  for (const [k, v] of Object.entries(target.properties ?? {}))
    validations(v, `${s.items ? `${path}[]` : path}.${k}`, out);
}

/** docs/policy.md, written from the schema so the reference cannot drift from what the API server enforces. */
export function policyReferenceMarkdown(): string {
  const table: string[] = [];
  rows(specSchema, 'spec', true, table);
  const rules: string[] = [];
  validations(specSchema, 'spec', rules);
  return [
    '# InferenceModePolicy reference (`modeswitch.io/v1alpha1`)',
    '',
    'Generated from `src/api/v1alpha1/schema.ts` by `npm run generate`; do not edit by hand.',
    '',
    'A mode inherits every `spec.engine` setting it does not set itself (`image`, `gpus`, `gpuResource`,',
    '`nodeSelector` (merged), `tolerations`, `resources` (merged), `maxModelLen`, `gpuMemoryUtilization`,',
    '`tensorParallelSize`, `extraArgs` (engine first), `env` (mode wins by name)).',
    '',
    '## Defaults',
    '',
    `- engine image \`${DEFAULT_ENGINE_IMAGE}\`, 1 \`nvidia.com/gpu\` per replica, toleration of the \`nvidia.com/gpu\` taint,`,
    '  `/dev/shm` 4Gi, startup timeout 1800 s, weights cached in an emptyDir unless `modelCache` says otherwise;',
    '- each mode: 1 replica, weights `spec.model`, prefix caching off (passed explicitly: vLLM V1 enables it by default);',
    `- guards: ${Object.entries(DEFAULT_GUARDS)
      .map(([k, v]) => `\`${k}: ${v}\``)
      .join(', ')} (no power cap);`,
    `- dcgm-exporter: \`${DEFAULT_DCGM_EXPORTER.service}.${DEFAULT_DCGM_EXPORTER.namespace}:${DEFAULT_DCGM_EXPORTER.port}${DEFAULT_DCGM_EXPORTER.path}\`, scraped every 1s;`,
    `- router: ${DEFAULT_ROUTER.replicas} replicas, gRPC ${DEFAULT_ROUTER.grpcPort}, HTTP ${DEFAULT_ROUTER.httpPort}, metrics ${DEFAULT_ROUTER.metricsPort}.`,
    '',
    '## Fields',
    '',
    '| field | type | description | constraints |',
    '| --- | --- | --- | --- |',
    ...table,
    '',
    '## Checked by the API server (CEL)',
    '',
    ...rules,
    '- `metadata.name` and each mode name together must not exceed 62 characters (object names are `<policy>-<mode>`).',
    '',
    'Beyond the schema, the operator and `modeswitch validate` compile every `routing.rules[].when` and report unknown',
    `variables, fields or modes, and estimate its cost: a rule over ${formatCost(RULE_COST_LIMIT)} units, or rules over`,
    `${formatCost(POLICY_RULES_COST_LIMIT)} together, are refused (docs/rules.md, "Cost"). A policy that fails gets`,
    '`PolicyValid=False` and nothing already running changes.',
    '',
    `## Checked against the vLLM release (${PINNED_VLLM.vllm} by default)`,
    '',
    `The default image runs vLLM ${PINNED_VLLM.vllm}; ModeSwitch carries that release's \`vllm serve\` truth table, generated`,
    "from the release's own sources (`npm run generate:vllm`, src/gen/vllm). Every mode's `extraArgs` (and",
    "`spec.engine.extraArgs`) is parsed with it: unknown or removed flags, values outside a flag's choices, malformed",
    'numbers or JSON and unknown `--speculative-config` keys are refused at `...extraArgs[i]`; `quantization`,',
    '`kvCacheDtype`, `dtype`, `speculative.method` and adapter ranks must be values the release accepts (deprecated',
    'quantization methods need `--allow-deprecated-quantization`). Each message names the field and lists the accepted',
    'values. A mode on another image is checked only when `vllmVersion` says which release it runs and ModeSwitch has',
    "that release's table; otherwise the policy is accepted with a warning (printed by `modeswitch validate`, and in the",
    "operator's `PolicyValid` message).",
    '',
    '## Adapter modes (LoRA)',
    '',
    "A mode with `adapter` is a LoRA adapter on the base model. With `adapter.base` it is served by that mode's pods",
    '(which get `--enable-lora --lora-modules <mode>=<source> ... --max-loras <n> --max-lora-rank <largest rank>`) and',
    'has no Deployment or Service of its own, so it may set only `name`, `adapter` and `domains`; the base must be a mode',
    'that is not an adapter. Without `base` the adapter mode runs its own pods with only its adapter loaded. Requests',
    "routed to an adapter mode reach those pods with `model` rewritten to the adapter mode's name (the router config",
    'carries `adapters: {<mode>: {upstreamModel, podsOf}}`). `domains` lists the `request.domain` values a mode is the',
    'expert for (docs/rules.md); deploy/examples/llama-3.1-8b-domain-adapters.yaml routes code and maths to two adapters.',
    '',
  ].join('\n');
}
