import type { KubernetesObject } from '@kubernetes/client-node';

/** An object to delete, with the uid that guards the delete against a re-created namesake. */
export interface PruneTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string | undefined;
}

/** True when `obj` has a controller ownerReference to the owner with `ownerUid`. */
export function isControlledBy(obj: KubernetesObject, ownerUid: string): boolean {
  return (
    obj.metadata?.ownerReferences?.some((r) => r.controller === true && r.uid === ownerUid) === true
  );
}

/**
 * The objects of one kind that the gateway `ownerUid` controls but no longer wants: those in
 * `existing` whose controller ownerReference points at the gateway and whose name is not among
 * `desiredNames`. Objects owned by others, or merely referencing the gateway without
 * `controller: true`, are never selected, and neither are objects being deleted already. Pure.
 */
export function selectPrunable(
  kind: { apiVersion: string; kind: string },
  existing: readonly KubernetesObject[],
  desiredNames: ReadonlySet<string>,
  ownerUid: string,
): PruneTarget[] {
  const out: PruneTarget[] = [];
  for (const obj of existing) {
    const meta = obj.metadata;
    const name = meta?.name;
    if (meta === undefined || name === undefined || desiredNames.has(name)) continue;
    if (meta.deletionTimestamp !== undefined) continue;
    if (!isControlledBy(obj, ownerUid)) continue;
    out.push({
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      namespace: meta.namespace ?? '',
      name,
      uid: meta.uid,
    });
  }
  return out;
}
