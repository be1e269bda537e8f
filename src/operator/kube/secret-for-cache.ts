import { createHash } from 'node:crypto';
import type { V1ObjectMeta, V1Secret } from '@kubernetes/client-node';
import { CRD_GROUP, CRD_KIND } from '../api/v1alpha1/constants.ts';
import { stripManagedFields } from '../runtime/strip-managed-fields.ts';

/**
 * Keys whose values stay verbatim in a cached foreign Secret: certificates are public, and the
 * reconciler reads them (a user's or cert-manager's `tls.crt` for the expiry in status).
 */
const PUBLIC_KEYS: ReadonlySet<string> = new Set(['tls.crt', 'ca.crt']);

/** Prefix of a digested value, so a digest can never be mistaken for real base64 data. */
export const DIGEST_PREFIX = 'sha256:';

function ownedByGateway(meta: V1ObjectMeta | undefined): boolean {
  return (meta?.ownerReferences ?? []).some(
    (o) => o.controller === true && o.kind === CRD_KIND && o.apiVersion.startsWith(`${CRD_GROUP}/`),
  );
}

/**
 * The informer transform of the Secret cache. The operator must see every Secret in its
 * namespaces (gateways reference user Secrets, which carry no label of ours), but it needs the
 * contents of only the Secrets it controls (the self-signed CA and server key pairs). Any other
 * Secret is cached as its identity, labels, owners, type and, per key, a SHA-256 digest of the
 * value (public certificates excepted): enough to check that referenced keys exist and to
 * roll the pods when a value changes (`hashSecretData` then hashes digests), while a cluster's
 * large Secrets (Helm releases, service-account tokens, other apps' credentials) cost a few
 * hundred bytes each instead of their size, and no foreign secret value is held in memory.
 * Annotations are dropped: `kubectl.kubernetes.io/last-applied-configuration` repeats the data.
 */
export function secretForCache(secret: V1Secret, fieldManager: string): V1Secret {
  if (ownedByGateway(secret.metadata)) return stripManagedFields(secret, fieldManager);
  const m = secret.metadata ?? {};
  const metadata: V1ObjectMeta = {};
  if (m.name !== undefined) metadata.name = m.name;
  if (m.namespace !== undefined) metadata.namespace = m.namespace;
  if (m.uid !== undefined) metadata.uid = m.uid;
  if (m.resourceVersion !== undefined) metadata.resourceVersion = m.resourceVersion;
  if (m.labels !== undefined) metadata.labels = m.labels;
  if (m.ownerReferences !== undefined) metadata.ownerReferences = m.ownerReferences;
  if (m.deletionTimestamp !== undefined) metadata.deletionTimestamp = m.deletionTimestamp;
  const out: V1Secret = { apiVersion: 'v1', kind: 'Secret', metadata };
  if (secret.type !== undefined) out.type = secret.type;
  if (secret.data !== undefined) {
    const data: Record<string, string> = {};
    for (const [key, value] of Object.entries(secret.data)) {
      data[key] = PUBLIC_KEYS.has(key)
        ? value
        : DIGEST_PREFIX + createHash('sha256').update(value).digest('base64');
    }
    out.data = data;
  }
  return out;
}
