import { LABEL_MANAGED_BY, LABEL_POLICY, MANAGED_BY } from '../render/labels.js';

/** The single server-side-apply field manager the operator writes with. */
export const FIELD_MANAGER = 'modeswitch-operator';

/** Selects every object the operator manages (the owned-object watches use it). */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

/** Selects the objects rendered for one policy. */
export function policySelector(policyName: string): string {
  return `${MANAGED_SELECTOR},${LABEL_POLICY}=${policyName}`;
}
