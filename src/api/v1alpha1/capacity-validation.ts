/** Checks of spec.capacity that need arithmetic over every mode (CEL has no sum), with the field each names. */
import { resolvePolicy } from './defaults.js';
import type { InferenceModePolicy } from './types.js';

/**
 * The floor the planner can never go below (fixed modes' replicas and autoscaled modes' minReplicas, in GPUs) must
 * fit spec.capacity.maxGpus.
 */
export function capacityProblems(policy: InferenceModePolicy): { path: string; message: string }[] {
  const resolved = resolvePolicy(policy);
  const capacity = resolved.capacity;
  if (!capacity) return [];
  const problems: { path: string; message: string }[] = [];
  let floorGpus = 0;
  resolved.modes.forEach((m, i) => {
    const pods = m.autoscale ? m.autoscale.minReplicas : m.replicas;
    floorGpus += pods * m.gpus;
    if (
      m.autoscale &&
      m.autoscale.maxReplicas * m.gpus > capacity.maxGpus &&
      policy.spec.modes[i]?.maxReplicas !== undefined
    ) {
      problems.push({
        path: `spec.modes[${i}].maxReplicas`,
        message: `${m.autoscale.maxReplicas} replicas of ${m.gpus} GPUs exceed spec.capacity.maxGpus (${capacity.maxGpus})`,
      });
    }
  });
  if (floorGpus > capacity.maxGpus) {
    problems.push({
      path: 'spec.capacity.maxGpus',
      message: `fixed replicas and minReplicas already hold ${floorGpus} GPUs, more than maxGpus (${capacity.maxGpus})`,
    });
  }
  return problems;
}
