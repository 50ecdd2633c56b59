import type { RequestFeatures } from '../../api/v1alpha1/rule-env.js';
import type { CompiledPolicy } from './compile-policy.js';
import type { Decision } from './decide.js';

/** A request's features and the decision made for it, with the policy snapshot that decided. */
export interface Routed {
  features: RequestFeatures;
  decision: Decision;
  /** The snapshot taken when the request arrived: every retry of the request decides with it again. */
  policy: CompiledPolicy;
}
