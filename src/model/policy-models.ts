import { runsPods } from '../api/v1alpha1/adapters.js';
import type { ResolvedPolicy } from '../api/v1alpha1/defaults.js';
import { GPUS } from './gpus.js';
import { profileFromModeFlags } from './mode-profile.js';
import { modelById } from './models.js';
import type { GpuSpec, ModelSpec, ModeProfile } from './types.js';
import { modeFlagsOf } from './policy-modes.js';
import { seedModeModel, type ModeModel } from './mode-model.js';

/** GPU Feature Discovery's product label, which policies put in their nodeSelector. */
const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
/** Assumed where a policy does not say its GPU or runs a model the catalogue lacks: a seed only, refitted live. */
export const DEFAULT_SEED_GPU = 'h100-80gb';
export const DEFAULT_SEED_MODEL = 'llama-3.1-8b-instruct';

export interface PolicyModeModel {
  model: ModeModel;
  /** The simulator's profile of the mode's vLLM flags: its quality class per request type. */
  profile: ModeProfile;
  /** The policy's model as the catalogue knows it (its size sets the quality of quantized modes). */
  servedModel: ModelSpec;
}

/** GFD writes the product with dashes for spaces (NVIDIA-H100-80GB-HBM3); the catalogue has NVML's name. */
function gpuOf(nodeSelector: Record<string, string>): GpuSpec {
  const product = nodeSelector[GPU_PRODUCT_LABEL];
  const known = Object.values(GPUS).find((g) => product !== undefined && g.modelName.replace(/ /g, '-') === product);
  return known ?? (GPUS[DEFAULT_SEED_GPU] as GpuSpec);
}

function modelOf(name: string) {
  try {
    return modelById(name);
  } catch {
    return modelById(DEFAULT_SEED_MODEL);
  }
}

/**
 * Each mode's seeded model on the GPU its node selector names, for the policy's model: what the capacity controller
 * sizes with and objective routing predicts with. A mode whose flags the simulator does not model is left out, and so
 * is an adapter served on another mode's pods.
 */
export function seedPolicyModels(policy: ResolvedPolicy): Map<string, PolicyModeModel> {
  const out = new Map<string, PolicyModeModel>();
  const model = modelOf(policy.model);
  for (const m of policy.modes) {
    // An adapter on another mode's pods holds no replicas of its own: its base's pods carry its load.
    if (!runsPods(m)) continue;
    let profile: ModeProfile;
    try {
      profile = profileFromModeFlags(modeFlagsOf(m));
    } catch {
      continue;
    }
    const seeded = seedModeModel(gpuOf(m.nodeSelector), model, profile, m.tensorParallelSize ?? 1);
    out.set(m.name, { model: { ...seeded, gpus: m.gpus }, profile, servedModel: model });
  }
  return out;
}
