{{/*
Exactly what the operator calls, nothing more (test/packaging/rbac.test.ts compares these rules with the list the
operator code exports). No wildcards. The router Role the operator creates per policy grants get/list/watch on the
policy and EndpointSlices; Kubernetes only lets the operator grant verbs it holds itself (RBAC escalation
check), which is why the operator has those reads too.
*/}}
{{- define "modeswitch.operatorRules" -}}
# Policies: informer, and the router Role grants get on its own policy.
- apiGroups: ["modeswitch.io"]
  resources: ["inferencemodepolicies"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["modeswitch.io"]
  resources: ["inferencemodepolicies/status"]
  verbs: ["patch"]
# Owned objects carry ownerReferences with blockOwnerDeletion, which the OwnerReferencesPermissionEnforcement
# admission plugin (e.g. OpenShift) allows only to whoever may update the owner's finalizers.
- apiGroups: ["modeswitch.io"]
  resources: ["inferencemodepolicies/finalizers"]
  verbs: ["update"]
# What the operator renders per policy: informers (list, watch), server-side apply (patch, and create: an apply
# that creates the object is also authorized as create, kubernetes.io/docs/reference/using-api/api-concepts/#patch-and-apply),
# pruning (delete). Reads come from the informer caches, so no get.
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["services", "serviceaccounts", "configmaps"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["list", "watch", "create", "patch", "delete"]
# A policy's NetworkPolicies (spec.networkPolicy), the same way.
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["list", "watch", "create", "patch", "delete"]
# A policy's InferencePool and HTTPRoute (spec.inferencePool), the same way; used only where their CRDs exist.
- apiGroups: ["inference.networking.k8s.io"]
  resources: ["inferencepools"]
  verbs: ["list", "watch", "create", "patch", "delete"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes"]
  verbs: ["list", "watch", "create", "patch", "delete"]
# Mode and router pods, read from an informer so status can name why replicas are missing (the scheduler's
# reason for a pod it cannot place). Never written.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
# Granted on to each router through its Role.
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}

{{/* Leader election: one Lease in the operator's own namespace. */}}
{{- define "modeswitch.leaderElectionRules" -}}
- apiGroups: ["coordination.k8s.io"]
  resources: ["leases"]
  verbs: ["get", "create", "update"]
{{- end -}}
