import type { Condition, ConditionStatus, ConditionType } from '../../api/v1alpha1/types.js';

export interface ConditionInput {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * Returns the conditions with `next` set. lastTransitionTime only moves when the status changes, so watchers can
 * tell how long a policy has been (not) Ready. Pure; the input array is not modified.
 */
export function setCondition(
  conditions: readonly Condition[],
  next: ConditionInput,
  now: string,
  observedGeneration?: number,
): Condition[] {
  const previous = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = previous && previous.status === next.status ? previous.lastTransitionTime : now;
  const updated: Condition = {
    ...next,
    lastTransitionTime,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
  return previous ? conditions.map((c) => (c.type === next.type ? updated : c)) : [...conditions, updated];
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: ConditionType,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when `type` went to `status` between two condition lists (it was absent or different before). */
export function becameStatus(
  before: readonly Condition[] | undefined,
  after: readonly Condition[],
  type: ConditionType,
  status: ConditionStatus,
): boolean {
  return findCondition(after, type)?.status === status && findCondition(before, type)?.status !== status;
}
