/**
 * Labels on everything the operator creates for a policy, and the selectors over them. They are part of the API: the
 * router finds its mode pods' EndpointSlices by them, the operator watches and lists its objects by them, and
 * dashboards select by them, so every side imports them from here.
 */
export const LABEL_POLICY = 'modeswitch.io/policy';
export const LABEL_MODE = 'modeswitch.io/mode';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
const PRODUCT = 'modeswitch';
export const MANAGED_BY = PRODUCT;
const LABEL_NAME = 'app.kubernetes.io/name';

/** The labels that say an object is ModeSwitch's: on the CRD and on every object rendered for a policy. */
export const PRODUCT_LABELS: Readonly<Record<string, string>> = {
  [LABEL_NAME]: PRODUCT,
  'app.kubernetes.io/part-of': PRODUCT,
};

/** `app.kubernetes.io/component` of a mode's engine pods and of the router's. */
export const COMPONENT_ENGINE = 'engine';
export const COMPONENT_ROUTER = 'router';

/** Labels that select a component's pods; kept small and stable because Deployment selectors are immutable. */
export function selectorLabels(policy: string, component: string, mode?: string): Record<string, string> {
  return {
    [LABEL_NAME]: PRODUCT,
    'app.kubernetes.io/instance': policy,
    'app.kubernetes.io/component': component,
    [LABEL_POLICY]: policy,
    ...(mode ? { [LABEL_MODE]: mode } : {}),
  };
}

/** Every label of an object rendered for a policy: its selector labels and who manages it. */
export function objectLabels(policy: string, component: string, mode?: string): Record<string, string> {
  return {
    ...selectorLabels(policy, component, mode),
    [LABEL_MANAGED_BY]: MANAGED_BY,
    ...PRODUCT_LABELS,
  };
}

/** A label selector (`k=v,k=v`) that matches every object carrying `labels`. */
export function labelSelectorOf(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Selects every object the operator manages (the owned-object watches use it). */
export const MANAGED_SELECTOR = labelSelectorOf({ [LABEL_MANAGED_BY]: MANAGED_BY });

/** Selects the objects rendered for one policy. */
export function policySelector(policyName: string): string {
  return labelSelectorOf({ [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_POLICY]: policyName });
}
