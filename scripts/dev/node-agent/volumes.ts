import type {
  V1Container,
  V1KeyToPath,
  V1Pod,
  V1Volume,
  V1VolumeProjection,
} from '@kubernetes/client-node';
import { ContainerConfigError, fieldValue, type EnvContext, type KeyValues } from './env.ts';

/** What a volume's directory holds. */
export type VolumeContent =
  /** Files the agent writes (Secret, ConfigMap, projected, downwardAPI): relative path → bytes. */
  | { kind: 'files'; files: Map<string, Buffer>; mode: number }
  /** An empty writable directory owned by the pod (emptyDir). */
  | { kind: 'emptyDir' }
  /** A directory of the host, bound as it is (hostPath). */
  | { kind: 'hostPath'; path: string };

/** One bind mount of a container: a volume (or a file/dir inside it) at `mountPath`. */
export interface MountStep {
  volume: string;
  mountPath: string;
  /** Path inside the volume; empty for the whole volume. */
  subPath: string;
  readOnly: boolean;
}

/** Inputs beyond {@link EnvContext}: service-account tokens fetched for projected volumes. */
export interface VolumeContext extends EnvContext {
  /** A token for the pod's service account with this audience and lifetime (seconds). */
  token(audience: string, expirationSeconds: number): string | undefined;
}

/** Default mode of Secret/ConfigMap files (0644, the API default). */
const DEFAULT_MODE = 0o644;

/** Default lifetime of projected service-account tokens, as the API server defaults it. */
export const DEFAULT_TOKEN_SECONDS = 3607;

function selectKeys(
  data: KeyValues,
  items: V1KeyToPath[] | undefined,
  what: string,
  optional: boolean,
): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (items === undefined || items.length === 0) {
    for (const [k, v] of Object.entries(data)) out.set(k, Buffer.from(v, 'utf8'));
    return out;
  }
  for (const item of items) {
    const v = data[item.key];
    if (v === undefined) {
      if (optional) continue;
      throw new ContainerConfigError(`${what}: key "${item.key}" not found`);
    }
    out.set(item.path, Buffer.from(v, 'utf8'));
  }
  return out;
}

function keyed(
  isSecret: boolean,
  name: string,
  items: V1KeyToPath[] | undefined,
  optional: boolean,
  ctx: VolumeContext,
): Map<string, Buffer> {
  const what = `${isSecret ? 'secret' : 'configmap'} "${name}"`;
  const data = isSecret ? ctx.secret(name) : ctx.configMap(name);
  if (data === undefined) {
    if (optional) return new Map();
    throw new ContainerConfigError(`${what} not found`);
  }
  return selectKeys(data, items, what, optional);
}

/**
 * The content of one pod volume, computed from the objects it refers to. Values are UTF-8 text
 * (PEM, YAML, tokens): Secret bytes that are not valid UTF-8 would not survive. Unsupported volume
 * kinds throw {@link ContainerConfigError}.
 */
export function volumeContent(volume: V1Volume, ctx: VolumeContext): VolumeContent {
  if (volume.emptyDir !== undefined) return { kind: 'emptyDir' };
  if (volume.hostPath !== undefined) return { kind: 'hostPath', path: volume.hostPath.path };
  if (volume.secret !== undefined) {
    const s = volume.secret;
    return {
      kind: 'files',
      mode: s.defaultMode ?? DEFAULT_MODE,
      files: keyed(true, s.secretName ?? '', s.items, s.optional === true, ctx),
    };
  }
  if (volume.configMap !== undefined) {
    const c = volume.configMap;
    return {
      kind: 'files',
      mode: c.defaultMode ?? DEFAULT_MODE,
      files: keyed(false, c.name ?? '', c.items, c.optional === true, ctx),
    };
  }
  if (volume.downwardAPI !== undefined) {
    const files = new Map<string, Buffer>();
    for (const item of volume.downwardAPI.items ?? []) {
      if (item.fieldRef === undefined) continue;
      files.set(item.path, Buffer.from(fieldValue(item.fieldRef.fieldPath, ctx)));
    }
    return { kind: 'files', mode: volume.downwardAPI.defaultMode ?? DEFAULT_MODE, files };
  }
  if (volume.projected !== undefined) {
    return {
      kind: 'files',
      mode: volume.projected.defaultMode ?? DEFAULT_MODE,
      files: projectedFiles(volume.projected.sources ?? [], ctx),
    };
  }
  throw new ContainerConfigError(`volume "${volume.name}": unsupported volume type`);
}

/** The files of a projected volume: each source's files, later sources winning. */
function projectedFiles(
  sources: readonly V1VolumeProjection[],
  ctx: VolumeContext,
): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const src of sources) {
    if (src.secret !== undefined) {
      const s = src.secret;
      for (const [k, v] of keyed(true, s.name ?? '', s.items, s.optional === true, ctx)) {
        files.set(k, v);
      }
    } else if (src.configMap !== undefined) {
      const c = src.configMap;
      for (const [k, v] of keyed(false, c.name ?? '', c.items, c.optional === true, ctx)) {
        files.set(k, v);
      }
    } else if (src.downwardAPI !== undefined) {
      for (const item of src.downwardAPI.items ?? []) {
        if (item.fieldRef === undefined) continue;
        files.set(item.path, Buffer.from(fieldValue(item.fieldRef.fieldPath, ctx)));
      }
    } else if (src.serviceAccountToken !== undefined) {
      const t = src.serviceAccountToken;
      const token = ctx.token(t.audience ?? '', t.expirationSeconds ?? DEFAULT_TOKEN_SECONDS);
      if (token === undefined) {
        throw new ContainerConfigError('service account token not available yet');
      }
      files.set(t.path, Buffer.from(token));
    }
  }
  return files;
}

/** Token requests a pod's projected volumes need: `[audience, expirationSeconds]` pairs. */
export function tokenRequests(pod: V1Pod): [string, number][] {
  const out: [string, number][] = [];
  for (const v of pod.spec?.volumes ?? []) {
    for (const src of v.projected?.sources ?? []) {
      const t = src.serviceAccountToken;
      if (t !== undefined)
        out.push([t.audience ?? '', t.expirationSeconds ?? DEFAULT_TOKEN_SECONDS]);
    }
  }
  return out;
}

/** Names of the Secrets and ConfigMaps a pod's volumes read (to refresh them on change). */
export function referencedObjects(pod: V1Pod): { secrets: Set<string>; configMaps: Set<string> } {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.secret?.secretName !== undefined) secrets.add(v.secret.secretName);
    if (v.configMap?.name !== undefined) configMaps.add(v.configMap.name);
    for (const src of v.projected?.sources ?? []) {
      if (src.secret?.name !== undefined) secrets.add(src.secret.name);
      if (src.configMap?.name !== undefined) configMaps.add(src.configMap.name);
    }
  }
  return { secrets, configMaps };
}

/**
 * The bind mounts of `container`, parents before children (a mount at `/a` must not hide one at
 * `/a/b`). Secret, ConfigMap, projected and downwardAPI volumes are always read-only, as the
 * kubelet mounts them. Throws when a mount names a volume the pod does not have or a subPath
 * escapes its volume.
 */
export function mountPlan(pod: V1Pod, container: V1Container): MountStep[] {
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const steps: MountStep[] = [];
  for (const m of container.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    if (v === undefined) throw new ContainerConfigError(`volumeMount "${m.name}": no such volume`);
    const subPath = m.subPath ?? '';
    if (subPath.startsWith('/') || subPath.split('/').includes('..')) {
      throw new ContainerConfigError(`volumeMount "${m.name}": subPath must be relative`);
    }
    if (!m.mountPath.startsWith('/')) {
      throw new ContainerConfigError(`volumeMount "${m.name}": mountPath must be absolute`);
    }
    const alwaysRo =
      v.secret !== undefined ||
      v.configMap !== undefined ||
      v.projected !== undefined ||
      v.downwardAPI !== undefined;
    steps.push({
      volume: m.name,
      mountPath: m.mountPath.replace(/\/+$/, '') || '/',
      subPath,
      readOnly: alwaysRo || m.readOnly === true,
    });
  }
  const depth = (p: string): number => p.split('/').filter((s) => s !== '').length;
  return steps.sort((a, b) => depth(a.mountPath) - depth(b.mountPath));
}
