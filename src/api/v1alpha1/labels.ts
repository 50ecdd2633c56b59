/**
 * Labels on everything the operator creates for a policy. They are part of the API: the router finds its mode pods'
 * EndpointSlices by them and dashboards select by them, so both sides import them from here.
 */
export const LABEL_POLICY = 'modeswitch.io/policy';
export const LABEL_MODE = 'modeswitch.io/mode';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'modeswitch';
