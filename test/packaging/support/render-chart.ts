import { parseAllDocuments } from 'yaml';
import { CHART_DIR } from './paths.js';
import { runTool } from './run-tool.js';
import { requireTool } from './tools.js';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderOptions {
  valuesFiles?: string[];
  /** `--set key=value` pairs. */
  set?: Record<string, string>;
  namespace?: string;
  release?: string;
  includeCrds?: boolean;
}

function helmTemplateArgs(options: RenderOptions): string[] {
  const args = [
    'template',
    options.release ?? 'ms',
    CHART_DIR,
    '--namespace',
    options.namespace ?? 'modeswitch-system',
  ];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set', `${key}=${value}`);
  if (options.includeCrds) args.push('--include-crds');
  return args;
}

/** `helm template` output as text; throws with helm's message when rendering fails. */
export function renderChartText(options: RenderOptions = {}): string {
  const result = runTool(requireTool('helm'), helmTemplateArgs(options));
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return result.stdout;
}

/** Stderr of a `helm template` that is expected to fail (e.g. values rejected by values.schema.json). */
export function renderChartError(options: RenderOptions): string {
  const result = runTool(requireTool('helm'), helmTemplateArgs(options));
  if (result.status === 0) throw new Error('helm template succeeded but was expected to fail');
  return result.stderr;
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`invalid YAML in rendered chart: ${doc.errors[0]?.message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

export function renderChart(options: RenderOptions = {}): Manifest[] {
  return parseManifests(renderChartText(options));
}

export function findManifest(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (!found)
    throw new Error(
      `no ${kind}${name ? ` ${name}` : ''} among ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`,
    );
  return found;
}
