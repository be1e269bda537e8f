import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * An informer transform (controller-runtime's `TransformStripManagedFields`, narrowed): drops
 * every `metadata.managedFields` entry except the `Apply` entries of `fieldManager`, in place,
 * and returns the object. Why: managedFields is often the largest part of a cached object
 * (kube-controller-manager's status updates of a Deployment, kubectl's edits of a Secret) and
 * the operator reads only its own apply entries (apply-diff's ownership check); 1,000 gateways
 * keep ~5,000 such objects in memory. With `fieldManager` undefined every entry is dropped.
 */
export function stripManagedFields<T extends KubernetesObject>(obj: T, fieldManager?: string): T {
  const meta = obj.metadata;
  const entries = meta?.managedFields;
  if (meta === undefined || entries === undefined) return obj;
  const kept =
    fieldManager === undefined
      ? []
      : entries.filter((e) => e.manager === fieldManager && e.operation === 'Apply');
  if (kept.length > 0) meta.managedFields = kept;
  else delete meta.managedFields;
  return obj;
}
