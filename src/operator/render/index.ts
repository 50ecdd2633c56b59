import { runsPods } from '../../api/v1alpha1/adapters.js';
import { resolvePolicy } from '../../api/v1alpha1/defaults.js';
import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import { renderHttpRoute, renderInferencePool } from './inference-pool.js';
import { renderModeDeployment, renderModeService } from './mode-deployment.js';
import { renderNetworkPolicies } from './network-policy.js';
import type { KubeObject } from './object.js';
import { renderRouterConfigMap } from './router-config.js';
import {
  renderRouterDeployment,
  renderRouterRole,
  renderRouterRoleBinding,
  renderRouterService,
  renderRouterServiceAccount,
} from './router-workload.js';

export type { KubeObject, OwnerReference } from './object.js';

/**
 * Everything a valid policy asks for, in apply order (RBAC and config before the workloads that use them).
 * Pure: the same policy always yields the same objects. `routerImage`: the router image of a policy that names none.
 */
export function renderPolicy(policy: InferenceModePolicy, defaults: { routerImage?: string } = {}): KubeObject[] {
  const resolved = resolvePolicy(policy, defaults);
  const configMap = renderRouterConfigMap(resolved);
  const gatewayObjects = [renderInferencePool(resolved), renderHttpRoute(resolved)].filter((o) => o !== undefined);
  return [
    // First, so no pod of the policy starts reachable by everyone.
    ...renderNetworkPolicies(resolved),
    // An adapter on another mode's pods is served by that mode's Deployment.
    ...resolved.modes
      .filter(runsPods)
      .flatMap((m) => [renderModeService(resolved, m), renderModeDeployment(resolved, m)]),
    renderRouterServiceAccount(resolved),
    renderRouterRole(resolved),
    renderRouterRoleBinding(resolved),
    configMap,
    renderRouterService(resolved),
    renderRouterDeployment(resolved, configMap),
    // Last: the pool names the router Service as its Endpoint Picker, the route names the pool.
    ...gatewayObjects,
  ];
}
