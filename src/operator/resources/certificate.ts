import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';
import { gatewayLabels } from './labels.ts';
import { childNames, serviceDnsNames } from './names.ts';
import { childMetadata } from './object-meta.ts';

/** The part of cert-manager's Certificate (cert-manager.io/v1) we write. */
export interface Certificate {
  apiVersion: 'cert-manager.io/v1';
  kind: 'Certificate';
  metadata: V1ObjectMeta;
  spec: {
    secretName: string;
    secretTemplate: { labels: Record<string, string> };
    commonName: string;
    dnsNames: string[];
    /** Go duration, hours. */
    duration: string;
    renewBefore: string;
    issuerRef: { name: string; kind: string; group: string };
    privateKey: { algorithm: 'ECDSA'; size: 256; rotationPolicy: 'Always' };
    usages: string[];
  };
}

/**
 * The cert-manager Certificate `<name>-gateway-tls` (tls.mode certManager), writing the server
 * Secret `<name>-gateway-tls` for the Service's DNS names plus tls.dnsNames, with the
 * resource's validity and renewal window. The Secret gets the gateway labels so the
 * operator's Secret informer sees it. Undefined for other modes; the caller also omits it when
 * cert-manager is not installed.
 */
export function buildCertificate(gw: PulsarWebSocketGatewayDefaulted): Certificate | undefined {
  const { tls } = gw.spec;
  if (tls.mode !== 'certManager' || tls.certManager === undefined) return undefined;
  const names = childNames(gw.metadata.name ?? '');
  const namespace = gw.metadata.namespace ?? 'default';
  const dnsNames = serviceDnsNames(names.service, namespace, tls.dnsNames ?? []);
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: childMetadata(gw, names.certificate),
    spec: {
      secretName: names.tlsSecret,
      secretTemplate: { labels: gatewayLabels(gw.metadata) },
      // The namespaced Service name: short enough for the 64-character CN limit.
      commonName: `${names.service}.${namespace}.svc`.slice(0, 64),
      dnsNames,
      duration: `${tls.validityDays * 24}h`,
      renewBefore: `${tls.renewBeforeDays * 24}h`,
      issuerRef: { ...tls.certManager.issuerRef },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['server auth', 'digital signature'],
    },
  };
}
