/**
 * LoRA adapter modes: which pods load which adapter, and how the router reaches each adapter mode. Pure; shared by
 * the operator's rendering and the router so both read the policy the same way.
 */
import type { ModeSpec } from './types.js';

/** One `--lora-modules name=source` entry of a vLLM server. */
export interface LoraModule {
  /** The adapter mode's name: what requests name as `model` upstream. */
  name: string;
  source: string;
  rank: number;
}

/** How the router sends a request routed to an adapter mode. */
export interface AdapterRoute {
  /** The model name to write into the request upstream (the LoRA module's name). */
  upstreamModel: string;
  /** The mode whose pods (Service `<policy>-<podsOf>`) serve it: its base, or the adapter mode itself. */
  podsOf: string;
}

/** False for an adapter served on another mode's pods: it has no Deployment or Service of its own. */
export function runsPods(mode: Pick<ModeSpec, 'adapter'>): boolean {
  return mode.adapter?.base === undefined;
}

/** The adapters a mode's pods load: its own (an adapter on its own pods) and every adapter whose base it is. */
export function loraModulesOf(
  modes: readonly Pick<ModeSpec, 'name' | 'adapter'>[],
  mode: Pick<ModeSpec, 'name' | 'adapter'>,
): LoraModule[] {
  return modes
    .filter(
      (m) =>
        m.adapter !== undefined && (m.adapter.base === undefined ? m.name === mode.name : m.adapter.base === mode.name),
    )
    .map((m) => ({ name: m.name, source: m.adapter!.source, rank: m.adapter!.rank }));
}

/** Every adapter mode's route, by mode name; empty when the policy has none. */
export function adapterRoutes(modes: readonly Pick<ModeSpec, 'name' | 'adapter'>[]): Record<string, AdapterRoute> {
  return Object.fromEntries(
    modes
      .filter((m) => m.adapter !== undefined)
      .map((m) => [m.name, { upstreamModel: m.name, podsOf: m.adapter!.base ?? m.name }]),
  );
}
