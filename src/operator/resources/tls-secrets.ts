import type { V1Secret } from '@kubernetes/client-node';
import { ANNOTATION_KEYS } from '../api/v1alpha1/constants.ts';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';
import { childNames } from './names.ts';
import { childMetadata } from './object-meta.ts';

/** PEM material of the self-signed mode, as produced by `certs/self-signed.ts`. */
export interface SelfSignedTlsMaterial {
  ca: { certPem: string; keyPem: string };
  server: { certPem: string; keyPem: string };
  /** SANs of the server certificate (recorded on the Secret for humans and for needsReissue). */
  dnsNames: string[];
  /** When the operator renews the server certificate. */
  renewAt: Date;
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/**
 * The operator's CA Secret `<name>-gateway-ca` (type Opaque: `tls.crt`, `tls.key`). Opaque on
 * purpose: nothing should mistake the CA key pair for a serving certificate.
 */
export function buildCaSecret(
  gw: PulsarWebSocketGatewayDefaulted,
  ca: SelfSignedTlsMaterial['ca'],
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: childMetadata(gw, childNames(gw.metadata.name ?? '').caSecret),
    type: 'Opaque',
    data: { 'tls.crt': b64(ca.certPem), 'tls.key': b64(ca.keyPem) },
  };
}

/**
 * The server Secret `<name>-gateway-tls` (type kubernetes.io/tls: `tls.crt`, `tls.key`, and
 * `ca.crt` for clients that want to trust the operator's CA), annotated with its SANs and
 * renewal time.
 */
export function buildServerTlsSecret(
  gw: PulsarWebSocketGatewayDefaulted,
  material: SelfSignedTlsMaterial,
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: childMetadata(gw, childNames(gw.metadata.name ?? '').tlsSecret, {
      annotations: {
        [ANNOTATION_KEYS.tlsDnsNames]: material.dnsNames.join(','),
        [ANNOTATION_KEYS.tlsRenewAt]: material.renewAt.toISOString(),
      },
    }),
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': b64(material.server.certPem),
      'tls.key': b64(material.server.keyPem),
      'ca.crt': b64(material.ca.certPem),
    },
  };
}
