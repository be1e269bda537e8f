import { createHash } from 'node:crypto';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';

/** What a referenced Secret is used for. */
export type SecretPurpose = 'pulsarCa' | 'pulsarToken' | 'jwtKey' | 'tls';

/** A Secret the gateway's pods mount, and which of its keys they read. */
export interface ReferencedSecret {
  name: string;
  /** Keys the pods read (sorted, unique). */
  keys: string[];
  purposes: SecretPurpose[];
  /**
   * True when the gateway reloads the files itself (client-facing TLS), so a change must NOT
   * roll pods; false when the data is read once at start, so its hash goes into the config hash.
   */
  hotReloaded: boolean;
}

/**
 * The user-provided Secrets that `gw` needs: the broker CA, the gateway's broker token, the JWT
 * verification key and (mode `secret`) the client TLS Secret. A missing one means Ready=False
 * with reason SecretNotFound. Operator-managed TLS Secrets (selfSigned, certManager) are not
 * listed. Secrets referenced twice are merged.
 */
export function referencedSecrets(gw: PulsarWebSocketGatewayDefaulted): ReferencedSecret[] {
  const { spec } = gw;
  const refs: { name: string; key: string; purpose: SecretPurpose }[] = [];
  const ca = spec.pulsar.tls.trustedCaSecret;
  if (ca !== undefined) refs.push({ name: ca.name, key: ca.key, purpose: 'pulsarCa' });
  const token = spec.pulsar.authentication?.token.secretKeyRef;
  if (token !== undefined) refs.push({ name: token.name, key: token.key, purpose: 'pulsarToken' });
  const jwtKey = spec.auth.jwt?.keySecretRef;
  if (spec.auth.mode === 'jwt' && jwtKey !== undefined) {
    refs.push({ name: jwtKey.name, key: jwtKey.key, purpose: 'jwtKey' });
  }
  if (spec.tls.mode === 'secret' && spec.tls.secretName !== undefined) {
    refs.push({ name: spec.tls.secretName, key: 'tls.crt', purpose: 'tls' });
    refs.push({ name: spec.tls.secretName, key: 'tls.key', purpose: 'tls' });
  }
  const byName = new Map<string, ReferencedSecret>();
  for (const ref of refs) {
    const entry = byName.get(ref.name) ?? {
      name: ref.name,
      keys: [],
      purposes: [],
      hotReloaded: true,
    };
    if (!entry.keys.includes(ref.key)) entry.keys.push(ref.key);
    if (!entry.purposes.includes(ref.purpose)) entry.purposes.push(ref.purpose);
    // One non-reloaded use is enough to make the whole Secret roll the pods.
    entry.hotReloaded &&= ref.purpose === 'tls';
    byName.set(ref.name, entry);
  }
  return [...byName.values()].map((e) => ({ ...e, keys: e.keys.sort() }));
}

/**
 * SHA-256 (hex) over the given keys of a Secret's `data` (base64 values as the API returns
 * them). Only the referenced keys count, so an unrelated key in a shared Secret does not roll
 * the pods; a missing key hashes differently from an empty one.
 */
export function hashSecretData(
  data: Readonly<Record<string, string>> | undefined,
  keys: readonly string[],
): string {
  const h = createHash('sha256');
  for (const key of [...keys].sort()) {
    const value = data?.[key];
    h.update(value === undefined ? `${key}\u0000absent\u0000` : `${key}\u0000${value}\u0000`);
  }
  return h.digest('hex');
}
