import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * Metadata that the API server sets, or that an apply request must not carry
 * (`managedFields` makes SSA fail, `resourceVersion` turns it into a
 * precondition). Never compared and stripped from apply bodies.
 */
const SERVER_METADATA = new Set([
  'managedFields',
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
]);

/** Fields that identify the object rather than describe it: not part of managedFields. */
const IDENTITY_PATHS = new Set(['apiVersion', 'kind', 'metadata.name', 'metadata.namespace']);

/**
 * Why an apply is needed, for logs and tests; `undefined` when the current
 * object already has every desired value and no stale field of ours.
 */
export type ApplyReason =
  { kind: 'missing' } | { kind: 'value'; path: string } | { kind: 'stale-field'; path: string };

/**
 * Decides whether server-side applying `desired` as `fieldManager` would
 * change `current` (the idea of controller-runtime's `CreateOrUpdate`, which
 * skips the write when the mutated object is semantically equal):
 *
 * 1. Values: every field set in `desired` must be present in `current` with an
 *    equal value. Fields only in `current` (defaults, other managers' fields,
 *    status) are ignored. Lists compare element by element and must have the
 *    same length; list elements compare as subsets too, so server-defaulted
 *    fields inside containers or ports do not count as differences.
 * 2. Ownership: every field path our manager owns through `Apply` in
 *    `current.metadata.managedFields` must still be set in `desired`;
 *    otherwise the apply would remove it (a field we stopped setting).
 *    Lists are compared as whole fields at this step.
 *
 * Limitations: builders must emit canonical values (`"500m"`, not `0.5`, for
 * quantities; strings for `IntOrString` where the server keeps strings),
 * because the API server normalises some values and a non-canonical desired
 * value would then differ on every reconcile. A list that another manager
 * appends to (merge-keyed lists) differs in length and causes an apply on
 * every reconcile.
 */
export function applyReason(
  desired: KubernetesObject,
  current: KubernetesObject | undefined,
  fieldManager: string,
): ApplyReason | undefined {
  if (current === undefined) return { kind: 'missing' };
  const valueDiff = firstDifference(desired, current, '');
  if (valueDiff !== undefined) return { kind: 'value', path: valueDiff };
  const owned = ownedPaths(current, fieldManager);
  const wanted = new Set<string>();
  collectPaths(desired, '', wanted);
  // Atomic structs and maps (a Deployment's LabelSelector, a Service's selector) appear in
  // managedFields as one leaf (`f:selector: {}`) while `desired` sets fields below them: an
  // owned leaf is still wanted when any wanted path lies beneath it.
  const wantedPrefixes = new Set<string>();
  for (const path of wanted) {
    for (let i = path.indexOf('.'); i >= 0; i = path.indexOf('.', i + 1)) {
      wantedPrefixes.add(path.slice(0, i));
    }
  }
  for (const path of owned) {
    if (!wanted.has(path) && !wantedPrefixes.has(path)) return { kind: 'stale-field', path };
  }
  return undefined;
}

/** A copy of `obj` without server-set metadata, fit to be an apply body. */
export function applyBody<T extends KubernetesObject>(obj: T): T {
  const metadata = obj.metadata;
  if (metadata === undefined) return obj;
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (!SERVER_METADATA.has(k) && v !== undefined) clean[k] = v;
  }
  return { ...obj, metadata: clean };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Dates (typed client-node models) and their RFC 3339 strings compare equal. */
function scalar(v: unknown): unknown {
  return v instanceof Date ? v.toISOString().replace(/\.000Z$/, 'Z') : v;
}

/** First path where `desired` is not contained in `current`, or `undefined`. */
function firstDifference(desired: unknown, current: unknown, path: string): string | undefined {
  if (desired === undefined) return undefined;
  if (isPlainObject(desired)) {
    if (!isPlainObject(current)) return path || '.';
    for (const [k, v] of Object.entries(desired)) {
      const sub = path === '' ? k : `${path}.${k}`;
      if (path === 'metadata' && SERVER_METADATA.has(k)) continue;
      const d = firstDifference(v, current[k], sub);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(current) || current.length !== desired.length) return path;
    for (let i = 0; i < desired.length; i++) {
      const d = firstDifference(desired[i], current[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return scalar(desired) === scalar(current) ? undefined : path;
}

/** Field paths set in `obj`; lists and empty maps are leaves. */
function collectPaths(obj: unknown, path: string, out: Set<string>): void {
  if (!isPlainObject(obj)) {
    if (path !== '' && !IDENTITY_PATHS.has(path)) out.add(path);
    return;
  }
  const entries = Object.entries(obj).filter(
    ([k, v]) => v !== undefined && !(path === 'metadata' && SERVER_METADATA.has(k)),
  );
  if (entries.length === 0 && path !== '') {
    out.add(path);
    return;
  }
  for (const [k, v] of entries) collectPaths(v, path === '' ? k : `${path}.${k}`, out);
}

/**
 * Field paths owned by `manager` through `Apply` on the main resource, from
 * the `FieldsV1` trie (`{"f:spec": {"f:replicas": {}}}`). A field whose
 * children are list keys (`k:…`, `v:…`, `i:…`) is a list and becomes a leaf,
 * matching {@link collectPaths}.
 */
function ownedPaths(current: KubernetesObject, manager: string): string[] {
  const paths: string[] = [];
  for (const entry of current.metadata?.managedFields ?? []) {
    if (entry.manager !== manager || entry.operation !== 'Apply') continue;
    if (entry.subresource !== undefined && entry.subresource !== '') continue;
    walkFields(entry.fieldsV1, '', paths);
  }
  return paths;
}

function walkFields(node: unknown, path: string, out: string[]): void {
  if (!isPlainObject(node)) return;
  const fieldKeys = Object.keys(node).filter((k) => k.startsWith('f:'));
  const listKeys = Object.keys(node).some((k) => /^[kvi]:/.test(k));
  if (path !== '' && (listKeys || fieldKeys.length === 0)) {
    if (!IDENTITY_PATHS.has(path)) out.push(path);
    return;
  }
  for (const k of fieldKeys) {
    walkFields(node[k], path === '' ? k.slice(2) : `${path}.${k.slice(2)}`, out);
  }
}
