{{/* Chart name, overridable. */}}
{{- define "modeswitch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified name used for every namespaced object of the release. */}}
{{- define "modeswitch.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "modeswitch.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "modeswitch.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Operator objects are "<fullname>-operator". */}}
{{- define "modeswitch.operatorName" -}}
{{- printf "%s-operator" (include "modeswitch.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "modeswitch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "modeswitch.labels" -}}
helm.sh/chart: {{ include "modeswitch.chart" . }}
app.kubernetes.io/name: {{ include "modeswitch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: modeswitch
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of the operator pods (immutable once installed: keep them minimal). */}}
{{- define "modeswitch.operatorSelectorLabels" -}}
app.kubernetes.io/name: {{ include "modeswitch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "modeswitch.operatorLabels" -}}
{{ include "modeswitch.labels" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "modeswitch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "modeswitch.operatorName" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Operator image: digest wins over tag; tag defaults to the chart's appVersion. */}}
{{- define "modeswitch.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Namespace for the Grafana dashboard ConfigMap (the sidecar may watch a different one). */}}
{{- define "modeswitch.dashboardNamespace" -}}
{{- default .Release.Namespace .Values.dashboard.namespace -}}
{{- end -}}
