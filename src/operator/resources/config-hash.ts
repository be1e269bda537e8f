import { createHash } from 'node:crypto';

/**
 * The pod-template hash (`pulsarws.io/config-hash`): SHA-256 (hex) over the rendered
 * gateway.yaml and the data hashes of the Secrets the gateway reads once at start (broker CA,
 * broker token, JWT key), keyed by Secret name. It changes, and the pods roll, exactly when
 * one of those inputs changes; hot-reloaded TLS certificates are deliberately not included.
 */
export function configHash(
  renderedConfig: string,
  secretHashes: Readonly<Record<string, string>>,
): string {
  const h = createHash('sha256').update(renderedConfig).update('\u0000');
  for (const name of Object.keys(secretHashes).sort()) {
    h.update(`${name}\u0000${secretHashes[name] ?? ''}\u0000`);
  }
  return h.digest('hex');
}
