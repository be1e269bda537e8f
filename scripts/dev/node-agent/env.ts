import type { V1Container, V1EnvFromSource, V1EnvVarSource, V1Pod } from '@kubernetes/client-node';

/** Error code of a container environment that cannot be built (kubelet: CreateContainerConfigError). */
export const ENV_ERROR_CODE = 'AGENT_ERR_CONTAINER_CONFIG';

/** A missing Secret/ConfigMap key or an unsupported field path. */
export class ContainerConfigError extends Error {
  readonly code = ENV_ERROR_CODE;
}

/** Decoded data of a Secret or ConfigMap (Secret values already base64-decoded). */
export type KeyValues = Readonly<Record<string, string>>;

/** Everything outside the pod spec that environment values can refer to. */
export interface EnvContext {
  pod: V1Pod;
  podIP: string;
  hostIP: string;
  nodeName: string;
  /** Data of Secret `name` in the pod's namespace; undefined when it does not exist. */
  secret(name: string): KeyValues | undefined;
  /** Data of ConfigMap `name` in the pod's namespace; undefined when it does not exist. */
  configMap(name: string): KeyValues | undefined;
}

function mapLookup(map: Record<string, string> | undefined, path: string, prefix: string): string {
  // metadata.labels['app'] and metadata.annotations['a/b']
  const m = new RegExp(`^${prefix}\\['(.+)'\\]$`).exec(path);
  if (m === null) return '';
  return map?.[m[1] ?? ''] ?? '';
}

/** The value of a downward-API `fieldRef.fieldPath` for this pod. */
export function fieldValue(fieldPath: string, ctx: EnvContext): string {
  const meta = ctx.pod.metadata ?? {};
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'spec.nodeName':
      return ctx.nodeName;
    case 'spec.serviceAccountName':
      return ctx.pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP;
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
  }
  if (fieldPath.startsWith('metadata.labels['))
    return mapLookup(meta.labels, fieldPath, 'metadata\\.labels');
  if (fieldPath.startsWith('metadata.annotations[')) {
    return mapLookup(meta.annotations, fieldPath, 'metadata\\.annotations');
  }
  throw new ContainerConfigError(`unsupported fieldRef fieldPath "${fieldPath}"`);
}

/** The downward-API file format of a label/annotation map: `key="value"` lines, sorted. */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k] ?? '')}`)
    .join('\n');
}

/**
 * Expands `$(VAR)` references to earlier variables as the kubelet does: `$$` escapes a `$`, and
 * references to unknown names stay as written.
 */
export function expandRefs(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g,
    (whole, name: string | undefined) => {
      if (whole === '$$') return '$';
      const v = name === undefined ? undefined : vars[name];
      return v ?? whole;
    },
  );
}

/**
 * The container's environment, in the kubelet's order: `envFrom` sources first, then `env`
 * entries (later names win), with `$(VAR)` expansion in `value`. Missing non-optional Secrets,
 * ConfigMaps or keys throw {@link ContainerConfigError}, as the kubelet refuses to start such a
 * container.
 */
export function resolveEnv(container: V1Container, ctx: EnvContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const from of container.envFrom ?? []) Object.assign(out, envFromValues(from, ctx));
  for (const e of container.env ?? []) {
    const value =
      e.valueFrom === undefined
        ? expandRefs(e.value ?? '', out)
        : valueFromSource(e.name, e.valueFrom, container, ctx);
    if (value !== undefined) out[e.name] = value;
  }
  return out;
}

/** The variables of one `envFrom` source (prefixed); empty for a missing optional source. */
function envFromValues(from: V1EnvFromSource, ctx: EnvContext): Record<string, string> {
  const prefix = from.prefix ?? '';
  const ref = from.configMapRef ?? from.secretRef;
  if (ref === undefined) return {};
  const isSecret = from.secretRef !== undefined;
  const data = isSecret ? ctx.secret(ref.name ?? '') : ctx.configMap(ref.name ?? '');
  if (data === undefined) {
    if (ref.optional === true) return {};
    throw new ContainerConfigError(
      `${isSecret ? 'secret' : 'configmap'} "${ref.name}" not found (envFrom)`,
    );
  }
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [prefix + k, v]));
}

/** The value of one `valueFrom`; undefined for a missing optional key. */
function valueFromSource(
  name: string,
  valueFrom: V1EnvVarSource,
  container: V1Container,
  ctx: EnvContext,
): string | undefined {
  const { fieldRef, secretKeyRef, configMapKeyRef, resourceFieldRef } = valueFrom;
  if (fieldRef !== undefined) return fieldValue(fieldRef.fieldPath, ctx);
  if (resourceFieldRef !== undefined) {
    return resourceValue(container, resourceFieldRef.resource, resourceFieldRef.divisor);
  }
  const isSecret = secretKeyRef !== undefined;
  const ref = secretKeyRef ?? configMapKeyRef;
  if (ref === undefined) return undefined;
  const data = isSecret ? ctx.secret(ref.name ?? '') : ctx.configMap(ref.name ?? '');
  const value = data?.[ref.key];
  if (value === undefined && ref.optional !== true) {
    throw new ContainerConfigError(
      `${isSecret ? 'secret' : 'configmap'} "${ref.name}" key "${ref.key}" not found (env ${name})`,
    );
  }
  return value;
}

const QUANTITY_SUFFIX: Record<string, number> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** A Kubernetes quantity (`100m`, `128Mi`, `2`) as a number. */
export function parseQuantity(q: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  const mult = m === null ? undefined : QUANTITY_SUFFIX[m[2] ?? ''];
  if (m === null || mult === undefined) throw new ContainerConfigError(`bad quantity "${q}"`);
  return Number(m[1]) * mult;
}

function resourceValue(container: V1Container, resource: string, divisor: unknown): string {
  const [kind, name] = resource.split('.');
  const res = container.resources;
  const raw = kind === 'limits' ? res?.limits?.[name ?? ''] : res?.requests?.[name ?? ''];
  // No limit means "node allocatable" to the kubelet; this agent reports its nominal capacity.
  const fallback = name === 'cpu' ? '2' : '8Gi';
  const value = parseQuantity(raw ?? fallback);
  const div = parseQuantity(typeof divisor === 'string' && divisor !== '' ? divisor : '1');
  return String(Math.ceil(value / div));
}
