import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { CRD_API_VERSION, CRD_KIND } from '../api/v1alpha1/constants.ts';

/**
 * The controller owner reference that ties a child to its gateway: garbage collection deletes
 * the child with the gateway (no finalizer needed, every child is namespaced), and
 * `blockOwnerDeletion` keeps foreground deletion of the gateway waiting for its children.
 * Throws when the gateway has no uid (it was not read from the API server).
 */
export function ownerReference(owner: { metadata: V1ObjectMeta }): V1OwnerReference {
  const { name, uid } = owner.metadata;
  if (name === undefined || uid === undefined) {
    throw new Error('ownerReference: the owner has no metadata.name or metadata.uid');
  }
  return {
    apiVersion: CRD_API_VERSION,
    kind: CRD_KIND,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
