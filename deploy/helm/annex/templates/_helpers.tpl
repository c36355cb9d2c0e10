{{/*
Names. Component names keep room for their suffix inside the 63-character limit of a DNS label.
*/}}
{{- define "annex.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "annex.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* (list $ "registry") → <fullname>-registry */}}
{{- define "annex.componentName" -}}
{{- printf "%s-%s" (include "annex.fullname" (index . 0)) (index . 1) -}}
{{- end -}}

{{- define "annex.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "annex.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: annex
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* (list $ "registry") */}}
{{- define "annex.selectorLabels" -}}
app.kubernetes.io/name: {{ include "annex.name" (index . 0) }}
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* (list $ "registry") */}}
{{- define "annex.componentLabels" -}}
{{ include "annex.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "annex.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "annex.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret the pods read the secret settings from. */}}
{{- define "annex.secretName" -}}
{{- default (include "annex.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{/* (list $ .Values.registry.image) → repository:tag or repository@digest */}}
{{- define "annex.image" -}}
{{- $root := index . 0 -}}
{{- $image := index . 1 -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
A value as the environment sees it. Helm reads numbers of values files as float64, which print in
exponent form from 1e6 on (209715200 → 2.097152e+08): integral numbers are printed as integers.
*/}}
{{- define "annex.envValue" -}}
{{- if kindIs "float64" . -}}
{{- printf "%.0f" . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* True when a config value is set (not absent, not ""). */}}
{{- define "annex.isSet" -}}
{{- if and (not (kindIs "invalid" .)) (ne (toString .) "") -}}true{{- end -}}
{{- end -}}

{{/*
One ConfigMap entry from `config`, omitted when unset: (list $ "NAME"). Starts with a newline and
carries its own indentation (two spaces, under `data:`).
*/}}
{{- define "annex.configEntry" -}}
{{- $value := index (index . 0).Values.config (index . 1) -}}
{{- if include "annex.isSet" $value -}}
{{- printf "\n  %s: %s" (index . 1) (include "annex.envValue" $value | quote) -}}
{{- end -}}
{{- end -}}

{{/* One Secret entry from `config`, omitted when unset: (list $ "NAME"). */}}
{{- define "annex.secretEntry" -}}
{{- $value := index (index . 0).Values.config (index . 1) -}}
{{- if include "annex.isSet" $value -}}
{{- printf "\n  %s: %s" (index . 1) (include "annex.envValue" $value | b64enc | quote) -}}
{{- end -}}
{{- end -}}

{{/*
A container env entry read from the settings Secret: (list $ "NAME" optional). A missing required
key keeps the pod from starting (CreateContainerConfigError names it) instead of starting misconfigured.
*/}}
{{- define "annex.secretEnv" -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ include "annex.secretName" (index . 0) }}
      key: {{ index . 1 }}
      optional: {{ index . 2 }}
{{- end -}}

{{/* The runner's in-cluster URL (the registry's default RUNNER_BASE_URL). */}}
{{- define "annex.runnerUrl" -}}
{{- printf "http://%s:%v" (include "annex.componentName" (list . "runner")) (include "annex.envValue" .Values.runner.service.port) -}}
{{- end -}}

{{/* Pod-level checks that the schema cannot express. Renders nothing. */}}
{{- define "annex.validate" -}}
{{- range $component := list "registry" "runner" -}}
{{- $grace := int (index $.Values $component).terminationGracePeriodSeconds -}}
{{- if le $grace (add 25 (int $.Values.preStopSleepSeconds)) -}}
{{- fail (printf "%s.terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds + 25 s (the services' shutdown timeout)" $component $grace) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The pod spec parts both Deployments share: (list $ "registry" 8080).
*/}}
{{- define "annex.podSpec" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $values := index $root.Values $component -}}
serviceAccountName: {{ include "annex.serviceAccountName" $root }}
automountServiceAccountToken: false
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ $values.terminationGracePeriodSeconds }}
{{- with $values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
topologySpreadConstraints:
{{- if $values.topologySpreadConstraints }}
  {{- toYaml $values.topologySpreadConstraints | nindent 2 }}
{{- else }}
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "annex.selectorLabels" (list $root $component) | nindent 8 }}
{{- end }}
{{- end -}}

{{/* Probes on /healthz (alive) and /readyz (database and store reachable): (list $ "registry"). */}}
{{- define "annex.probes" -}}
{{- $probes := (index (index . 0).Values (index . 1)).probes -}}
startupProbe:
  httpGet:
    path: /healthz
    port: http
  {{- toYaml $probes.startup | nindent 2 }}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  {{- toYaml $probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  {{- toYaml $probes.readiness | nindent 2 }}
{{- end -}}

{{/* Keeps serving while the endpoint is withdrawn, then SIGTERM starts the graceful shutdown. */}}
{{- define "annex.lifecycle" -}}
{{- if gt (int .Values.preStopSleepSeconds) 0 -}}
lifecycle:
  preStop:
    exec:
      command: ["sleep", "{{ .Values.preStopSleepSeconds }}"]
{{- end -}}
{{- end -}}

{{/*
Egress both services need: DNS, PostgreSQL, the store, and Redis when named. List items at column 0.
*/}}
{{- define "annex.egressRules" -}}
{{- $np := .Values.networkPolicy -}}
- to:
    {{- toYaml $np.dns.to | nindent 4 }}
  ports:
    {{- range $np.dns.ports }}
    - port: {{ . }}
      protocol: UDP
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- range $name := list "database" "objectStore" "redis" }}
{{- $rule := index $np $name }}
{{- if $rule.to }}
- to:
    {{- toYaml $rule.to | nindent 4 }}
  ports:
    {{- range $rule.ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end }}
{{- end }}
{{- end -}}
