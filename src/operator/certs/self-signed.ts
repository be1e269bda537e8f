// Must precede @peculiar/x509: its dependency tsyringe needs Reflect metadata at import time.
import './reflect-metadata-shim.ts';
import { X509Certificate as NodeX509Certificate, createPrivateKey, webcrypto } from 'node:crypto';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  AuthorityKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';

/** Milliseconds per day; tests may pass a shorter "day" to exercise renewal quickly. */
export const DAY_MS = 86_400_000;

/** Backdating of notBefore, tolerating clock skew between the operator and clients. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** A PEM certificate and its PKCS#8 PEM private key. */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

/** Validity of a certificate to create. */
export interface Validity {
  /** Time of creation (notBefore is 5 minutes earlier). */
  now: Date;
  /** Lifetime from `now`, in days of `dayMs`. */
  validityDays: number;
  /** Length of a day in ms. Default {@link DAY_MS}; only tests change it. */
  dayMs?: number;
}

/** What the operator needs from an existing certificate. */
export interface CertificateInfo {
  notBefore: Date;
  notAfter: Date;
  /** DNS subject alternative names, in certificate order. */
  dnsNames: string[];
  subject: string;
  issuer: string;
}

/** Why a certificate must be (re)issued; undefined from {@link needsReissue} means "keep it". */
export type ReissueReason =
  'Missing' | 'Unparseable' | 'KeyMismatch' | 'NotSignedByCa' | 'DnsNamesChanged' | 'RenewalDue';

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const crypto = webcrypto;

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return await crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

async function keyToPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return PemConverter.encode(der, 'PRIVATE KEY');
}

function window(validity: Validity): { notBefore: Date; notAfter: Date } {
  const day = validity.dayMs ?? DAY_MS;
  return {
    notBefore: new Date(validity.now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(validity.now.getTime() + validity.validityDays * day),
  };
}

/** Escapes a value for an RFC 4514 distinguished name. */
function dnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}

/**
 * Creates a CA: an ECDSA P-256 key and a self-signed certificate (basicConstraints CA with
 * path length 0, keyCertSign + cRLSign), named `commonName`.
 */
export async function createCa(commonName: string, validity: Validity): Promise<KeyPairPem> {
  const keys = await generateKeys();
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${dnValue(commonName)}`,
      keys,
      ...window(validity),
      signingAlgorithm: SIGNING,
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(
          KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign | KeyUsageFlags.digitalSignature,
          true,
        ),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
}

/**
 * Creates a server certificate for `dnsNames` (all become DNS SANs; the first is the CN),
 * with a fresh ECDSA P-256 key, signed by `ca` (serverAuth, digitalSignature).
 */
export async function createServerCertificate(
  ca: KeyPairPem,
  dnsNames: readonly string[],
  validity: Validity,
): Promise<KeyPairPem> {
  const first = dnsNames[0];
  if (first === undefined) throw new Error('createServerCertificate: no DNS names');
  const caCert = new X509Certificate(ca.certPem);
  const caKey = await crypto.subtle.importKey(
    'pkcs8',
    PemConverter.decodeFirst(ca.keyPem),
    EC_KEY,
    false,
    ['sign'],
  );
  const keys = await generateKeys();
  const cert = await X509CertificateGenerator.create(
    {
      subject: `CN=${dnValue(first.slice(0, 64))}`,
      issuer: caCert.subject,
      publicKey: keys.publicKey,
      signingKey: caKey,
      ...window(validity),
      signingAlgorithm: SIGNING,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns', value }))),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await AuthorityKeyIdentifierExtension.create(caCert, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await keyToPem(keys.privateKey) };
}

/** Validity window and DNS names of a PEM certificate. Throws on malformed PEM. */
export function parseCertificate(certPem: string): CertificateInfo {
  const cert = new X509Certificate(certPem);
  const san = cert.getExtension(SubjectAlternativeNameExtension);
  const dnsNames = (san?.names.toJSON() ?? []).filter((n) => n.type === 'dns').map((n) => n.value);
  return {
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    dnsNames,
    subject: cert.subject,
    issuer: cert.issuer,
  };
}

/** When to renew a certificate expiring at `notAfter`: `renewBeforeDays` days earlier. */
export function renewalTime(notAfter: Date, renewBeforeDays: number, dayMs: number = DAY_MS): Date {
  return new Date(notAfter.getTime() - renewBeforeDays * dayMs);
}

/** What {@link needsReissue} compares an existing certificate against. */
export interface ReissueCheck {
  now: Date;
  renewBeforeDays: number;
  /** Required DNS SANs (order ignored); omit for a CA. */
  dnsNames?: readonly string[];
  /** PEM of the CA that must have signed it; omit for a CA. */
  caPem?: string;
  /** Length of a day in ms. Default {@link DAY_MS}. */
  dayMs?: number;
}

/**
 * Whether the certificate in `existing` must be replaced, and why: missing or unparseable
 * material, a key that does not match, a different signing CA (verified cryptographically),
 * other DNS names, or `now` past the renewal time. Undefined: keep it.
 */
export function needsReissue(
  existing: Partial<KeyPairPem> | undefined,
  check: ReissueCheck,
): ReissueReason | undefined {
  if (existing?.certPem === undefined || existing.keyPem === undefined) return 'Missing';
  let cert: NodeX509Certificate;
  try {
    cert = new NodeX509Certificate(existing.certPem);
    if (!cert.checkPrivateKey(createPrivateKey(existing.keyPem))) return 'KeyMismatch';
  } catch {
    return 'Unparseable';
  }
  if (check.caPem !== undefined) {
    try {
      const ca = new NodeX509Certificate(check.caPem);
      if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'NotSignedByCa';
    } catch {
      return 'NotSignedByCa';
    }
  }
  const info = parseCertificate(existing.certPem);
  if (check.dnsNames !== undefined) {
    const have = new Set(info.dnsNames);
    const want = new Set(check.dnsNames);
    if (have.size !== want.size || [...want].some((n) => !have.has(n))) return 'DnsNamesChanged';
  }
  const renewAt = renewalTime(info.notAfter, check.renewBeforeDays, check.dayMs);
  if (check.now.getTime() >= renewAt.getTime()) return 'RenewalDue';
  return undefined;
}
