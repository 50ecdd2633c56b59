import type { ModeState, RequestFeatures } from '../../api/v1alpha1/rule-env.js';

/**
 * What a rule sees: `request` and `modes`. Unknown telemetry values are left out of each ModeState (never set to
 * undefined or zero), so CEL reports "no such field" and the rule does not match.
 */
export interface RuleBindings {
  request: RequestFeatures;
  modes: ReadonlyMap<string, ModeState>;
}
