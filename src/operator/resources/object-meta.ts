import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';
import { gatewayLabels } from './labels.ts';
import { ownerReference } from './owner-reference.ts';

/**
 * Metadata of a child of `gw`: its name, the gateway's namespace, the `app.kubernetes.io/*`
 * labels (over `extraLabels`, which cannot override them) and the controller owner reference.
 */
export function childMetadata(
  gw: PulsarWebSocketGatewayDefaulted,
  name: string,
  extra: {
    labels?: Readonly<Record<string, string>>;
    annotations?: Readonly<Record<string, string>>;
  } = {},
): V1ObjectMeta {
  const meta: V1ObjectMeta = {
    name,
    namespace: gw.metadata.namespace ?? 'default',
    labels: { ...extra.labels, ...gatewayLabels(gw.metadata) },
    ownerReferences: [ownerReference(gw)],
  };
  if (extra.annotations !== undefined && Object.keys(extra.annotations).length > 0) {
    meta.annotations = { ...extra.annotations };
  }
  return meta;
}
