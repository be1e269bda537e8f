import { needsReissue, type KeyPairPem, type ReissueReason } from './self-signed.ts';

/** The self-signed key pairs found in the cluster (either may be absent or incomplete). */
export interface ObservedSelfSigned {
  /** From the CA Secret `<name>-gateway-ca`. */
  ca?: Partial<KeyPairPem> | undefined;
  /** From the server Secret `<name>-gateway-tls`. */
  server?: Partial<KeyPairPem> | undefined;
}

/** What the observed material is checked against. */
export interface SelfSignedRequirements {
  now: Date;
  /** SANs the server certificate must carry (order ignored). */
  dnsNames: readonly string[];
  /** The server certificate is replaced this many days before it expires. */
  renewBeforeDays: number;
  /** The CA is replaced this many days before it expires (the server validity: see the reconciler). */
  caRenewBeforeDays: number;
  /** Length of a day in ms (tests shorten it). */
  dayMs: number;
}

/** Why the server certificate must be replaced: its own defect, or a new CA. */
export type ServerReissueReason = ReissueReason | 'CaReplaced';

/**
 * Outcome of {@link assessSelfSigned}: the pairs to keep, and for each one that is undefined
 * the reason a new one must be issued.
 */
export type SelfSignedAssessment =
  | { ca: KeyPairPem; server: KeyPairPem }
  | { ca: KeyPairPem; server: undefined; serverReason: ServerReissueReason }
  | {
      ca: undefined;
      caReason: ReissueReason;
      server: undefined;
      serverReason: ServerReissueReason;
    };

function complete(pair: Partial<KeyPairPem> | undefined): pair is KeyPairPem {
  return pair?.certPem !== undefined && pair.keyPem !== undefined;
}

/**
 * Decides, from what the cluster holds, which self-signed key pairs to keep. Pure.
 *
 * - The CA is kept unless {@link needsReissue} finds a reason (missing, e.g. its Secret was
 *   deleted; unparseable; key mismatch; renewal due).
 * - A new CA always brings a new server certificate: the old one would not chain to it.
 * - Otherwise the server certificate is kept unless it is missing (its Secret was deleted),
 *   not signed by the kept CA, carries other DNS names, or is due for renewal.
 *
 * The caller issues what is undefined. Because only the observed Secrets count, deleting the
 * server Secret yields a fresh certificate (new key and serial) from the same CA, and deleting
 * the CA Secret yields a new CA and a new server certificate, as with cert-manager.
 */
export function assessSelfSigned(
  observed: ObservedSelfSigned,
  req: SelfSignedRequirements,
): SelfSignedAssessment {
  const caReason = needsReissue(observed.ca, {
    now: req.now,
    renewBeforeDays: req.caRenewBeforeDays,
    dayMs: req.dayMs,
  });
  if (caReason !== undefined || !complete(observed.ca)) {
    return {
      ca: undefined,
      caReason: caReason ?? 'Missing',
      server: undefined,
      serverReason: complete(observed.server) ? 'CaReplaced' : 'Missing',
    };
  }
  const ca = observed.ca;
  const serverReason = needsReissue(observed.server, {
    now: req.now,
    renewBeforeDays: req.renewBeforeDays,
    dnsNames: req.dnsNames,
    caPem: ca.certPem,
    dayMs: req.dayMs,
  });
  if (serverReason !== undefined || !complete(observed.server)) {
    return { ca, server: undefined, serverReason: serverReason ?? 'Missing' };
  }
  return { ca, server: observed.server };
}

const WHY: Readonly<Record<ServerReissueReason, string>> = {
  Missing: 'its Secret was missing or incomplete',
  Unparseable: 'the stored certificate could not be parsed',
  KeyMismatch: 'the stored key did not match the certificate',
  NotSignedByCa: 'it was not signed by the current CA',
  DnsNamesChanged: 'the DNS names changed',
  RenewalDue: 'its renewal time was reached',
  CaReplaced: 'the previous one was signed by the replaced CA',
};

/** A short human phrase for why a certificate is (re)issued, for Event notes. */
export function reissueReasonText(reason: ServerReissueReason): string {
  return WHY[reason];
}
