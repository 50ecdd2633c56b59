import { runsPods } from '../api/v1alpha1/adapters.js';
import type { ResolvedMode } from '../api/v1alpha1/defaults.js';
import { resolvePolicy } from '../api/v1alpha1/defaults.js';
import type { InferenceModePolicy } from '../api/v1alpha1/types.js';
import { profileFromModeFlags, type ModeFlags } from './mode-profile.js';
import type { ModeProfile } from './types.js';

/** A mode of a fleet: its name in the policy, the simulator profile of its vLLM flags, and how many GPUs run it. */
export interface FleetMode {
  name: string;
  profile: ModeProfile;
  replicas: number;
}

/** The vLLM flags of a policy mode, as the simulator reads them (the same fields the operator renders as args). */
export function modeFlagsOf(mode: ResolvedMode): ModeFlags {
  const flags: ModeFlags = { name: mode.name, weights: mode.weights, prefixCaching: mode.prefixCaching };
  if (mode.dtype !== undefined) flags.dtype = mode.dtype;
  if (mode.quantization !== undefined) flags.quantization = mode.quantization;
  if (mode.kvCacheDtype !== undefined) flags.kvCacheDtype = mode.kvCacheDtype;
  if (mode.speculative) {
    flags.speculative = {
      method: mode.speculative.method,
      numSpeculativeTokens: mode.speculative.numSpeculativeTokens,
    };
    if (mode.speculative.model !== undefined) flags.speculative.model = mode.speculative.model;
    const schedule = mode.speculative.numSpeculativeTokensPerBatchSize;
    if (schedule !== undefined) flags.speculative.perBatchSize = schedule;
  }
  return flags;
}

/** Every mode of a policy that runs pods, with its replica count: the hardware the policy asks for (adapters on another mode's pods take none). */
export function fleetModesOf(policy: InferenceModePolicy): FleetMode[] {
  return resolvePolicy(policy)
    .modes.filter(runsPods)
    .map((m) => ({ name: m.name, profile: profileFromModeFlags(modeFlagsOf(m)), replicas: m.replicas }));
}

/** The same GPU count spent on one mode only: the fixed-mode alternatives of a policy. */
export function singleModeFleet(modes: readonly FleetMode[], name: string): FleetMode[] {
  const mode = modes.find((m) => m.name === name);
  if (!mode) throw new Error(`no mode "${name}" in the policy (modes: ${modes.map((m) => m.name).join(', ')})`);
  const gpus = modes.reduce((s, m) => s + m.replicas, 0);
  return [{ ...mode, replicas: gpus }];
}
