import { createHash } from 'node:crypto';

/** Longest name a child may have: a DNS-1035 label (Service names) and a label value. */
export const MAX_NAME_LENGTH = 63;

/** Suffixes of the children of a gateway named `<name>`. */
const SUFFIXES = {
  deployment: 'gateway',
  service: 'gateway',
  configMap: 'gateway-config',
  tlsSecret: 'gateway-tls',
  caSecret: 'gateway-ca',
  certificate: 'gateway-tls',
  hpa: 'gateway',
  pdb: 'gateway',
  serviceMonitor: 'gateway',
} as const;

/** Deterministic names of every object the operator creates for one gateway. */
export type ChildNames = { readonly [K in keyof typeof SUFFIXES]: string };

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * The name of the child `<gatewayName>-<suffix>`, always a valid DNS-1035 label of at most 63
 * characters. A gateway name (a DNS-1123 subdomain, up to 253 characters) that is too long,
 * contains dots, or does not start with a letter is shortened or sanitised and then gets an
 * 8-hex-digit hash of the ORIGINAL name, so distinct gateways never share children and the
 * result never changes between reconciles.
 */
export function childName(gatewayName: string, suffix: string): string {
  const plain = `${gatewayName}-${suffix}`;
  const valid = /^[a-z][a-z0-9-]*$/.test(gatewayName);
  if (valid && plain.length <= MAX_NAME_LENGTH) return plain;
  let base = gatewayName.replaceAll('.', '-');
  if (!/^[a-z]/.test(base)) base = `g${base}`;
  const hash = shortHash(gatewayName);
  const room = MAX_NAME_LENGTH - suffix.length - hash.length - 2;
  base = base.slice(0, room).replace(/-+$/, '');
  return `${base}-${hash}-${suffix}`;
}

/** All child names of the gateway `gatewayName`. */
export function childNames(gatewayName: string): ChildNames {
  const out = {} as Record<keyof typeof SUFFIXES, string>;
  for (const [key, suffix] of Object.entries(SUFFIXES) as [keyof typeof SUFFIXES, string][]) {
    out[key] = childName(gatewayName, suffix);
  }
  return out;
}

/**
 * DNS names under which the Service is reached in the cluster, most specific last:
 * `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc`, `<svc>.<ns>.svc.<clusterDomain>`, followed by
 * `extra` (deduplicated, order kept). These are the server certificate's SANs.
 */
export function serviceDnsNames(
  service: string,
  namespace: string,
  extra: readonly string[] = [],
  clusterDomain = 'cluster.local',
): string[] {
  const names = [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.${clusterDomain}`,
    ...extra,
  ];
  return [...new Set(names)];
}
