{{/*
Chart name, truncated to 63 characters (a DNS-1123 label).
*/}}
{{- define "pwo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of every resource: <release>-<chart>, or the release name alone when it already
contains the chart name.
*/}}
{{- define "pwo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pwo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: stable across upgrades (a Deployment's selector is immutable).
*/}}
{{- define "pwo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pwo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/*
Standard labels of every resource the chart creates. managed-by is Helm, never
pulsar-websocket-operator: the operator watches objects carrying that value as its own.
*/}}
{{- define "pwo.labels" -}}
helm.sh/chart: {{ include "pwo.chart" . }}
{{ include "pwo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: pulsar-websocket-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "pwo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pwo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The operator image: repository@digest when a digest is given, else repository:tag (tag
defaults to the chart's appVersion).
*/}}
{{- define "pwo.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "pwo.gatewayImage" -}}
{{- default (include "pwo.image" .) .Values.gatewayImage }}
{{- end }}

{{/*
Watched namespaces, de-duplicated, in the order given.
*/}}
{{- define "pwo.watchNamespaces" -}}
{{- uniq .Values.watchNamespaces | join "," }}
{{- end }}
