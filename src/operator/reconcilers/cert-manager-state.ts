import type { KubernetesObject } from '@kubernetes/client-node';
import { REASONS } from '../status/conditions.ts';
import type { CertificateState } from './gateway-status.ts';

/** The part of a cert-manager Certificate's status (cert-manager.io/v1) we read. */
export interface CertManagerCertificateStatus {
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  /** RFC 3339. */
  notAfter?: string;
  /** RFC 3339: when cert-manager will renew. */
  renewalTime?: string;
}

/** A cert-manager Certificate as read from the API server. */
export type CertManagerCertificate = KubernetesObject & { status?: CertManagerCertificateStatus };

function date(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * `CertificateReady` in certManager mode, following the Certificate's own `Ready` condition
 * (cert-manager is the authority on whether its certificate is usable): Ready=True →
 * `True`/`CertificateIssued` with cert-manager's `notAfter` and `renewalTime`; anything else
 * (no status yet, `False`, `Unknown`) → `False`/`CertificatePending` carrying cert-manager's
 * reason and message, so `kubectl describe` shows why issuance is stuck (unknown issuer, ...).
 * `secretName` is the Secret cert-manager writes. Pure.
 */
export function certManagerCertificateState(
  certificate: CertManagerCertificate | undefined,
  secretName: string,
): CertificateState {
  const name = certificate?.metadata?.name ?? secretName;
  const ready = certificate?.status?.conditions?.find((c) => c.type === 'Ready');
  const notAfter = date(certificate?.status?.notAfter);
  const renewAt = date(certificate?.status?.renewalTime);
  const times = {
    ...(notAfter === undefined ? {} : { notAfter }),
    ...(renewAt === undefined ? {} : { renewAt }),
  };
  if (ready?.status === 'True') {
    return {
      status: 'True',
      reason: REASONS.certificateIssued,
      message: `cert-manager issued Certificate "${name}" into Secret "${secretName}"${
        notAfter === undefined ? '' : `, valid until ${notAfter.toISOString()}`
      }.`,
      ...times,
    };
  }
  const detail =
    ready === undefined
      ? 'no Ready condition yet'
      : `Ready=${ready.status}${ready.reason === undefined ? '' : ` (${ready.reason})`}${
          ready.message === undefined || ready.message === '' ? '' : `: ${ready.message}`
        }`;
  return {
    status: 'False',
    reason: REASONS.certificatePending,
    message: `Waiting for cert-manager to issue Certificate "${name}" into Secret "${secretName}": ${detail}.`,
    ...times,
  };
}
