import type { GatewayStatusCondition } from '../api/v1alpha1/types.ts';

/** Condition types of a PulsarWebSocketGateway. */
export const CONDITION_TYPES = {
  /** The gateway serves traffic as specified: children applied, enough pods ready. */
  ready: 'Ready',
  /** A change is rolling out (new pods not yet ready, certificate being issued, ...). */
  progressing: 'Progressing',
  /** The gateway runs below its desired state or reconciliation keeps failing. */
  degraded: 'Degraded',
  /** The client-facing certificate is valid (only when tls.mode is not none). */
  certificateReady: 'CertificateReady',
} as const;

/** A condition type. */
export type ConditionType = (typeof CONDITION_TYPES)[keyof typeof CONDITION_TYPES];

/** CamelCase reasons (stable: automation and alerts match on them). */
export const REASONS = {
  reconciled: 'Reconciled',
  secretNotFound: 'SecretNotFound',
  secretKeyMissing: 'SecretKeyMissing',
  certManagerMissing: 'CertManagerMissing',
  serviceMonitorCrdMissing: 'ServiceMonitorCrdMissing',
  deploymentProgressing: 'DeploymentProgressing',
  deploymentAvailable: 'DeploymentAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  paused: 'Paused',
  certificateIssued: 'CertificateIssued',
  certificateRenewing: 'CertificateRenewing',
  certificatePending: 'CertificatePending',
  tlsDisabled: 'TlsDisabled',
  invalidSpec: 'InvalidSpec',
  applyFailed: 'ApplyFailed',
  /** The Deployment controller gave up waiting for the rollout (spec.progressDeadlineSeconds). */
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
} as const;

/** A reason. */
export type ConditionReason = (typeof REASONS)[keyof typeof REASONS];

/** The status a condition reports. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** What the caller decides; `lastTransitionTime` is derived. */
export interface ConditionUpdate {
  type: ConditionType;
  status: ConditionStatus;
  reason: ConditionReason;
  /** Human-readable; may be empty. */
  message: string;
  /** The resource's metadata.generation this was computed from. */
  observedGeneration: number;
}

/**
 * Returns a new condition list with `update` set (metav1.Condition semantics):
 * `lastTransitionTime` becomes `now` only when the condition is new or its status changes, so
 * a reason or message change alone does not look like a transition; every other condition is
 * kept as is, in order. Never mutates `conditions`. When nothing changes the same array is
 * returned, so callers can skip a status write with `===`.
 */
export function setCondition(
  conditions: readonly GatewayStatusCondition[] | undefined,
  update: ConditionUpdate,
  now: Date,
): GatewayStatusCondition[] {
  const list = conditions ?? [];
  const index = list.findIndex((c) => c.type === update.type);
  const existing = index === -1 ? undefined : list[index];
  const lastTransitionTime =
    existing !== undefined && existing.status === update.status
      ? existing.lastTransitionTime
      : toRfc3339(now);
  const next: GatewayStatusCondition = {
    type: update.type,
    status: update.status,
    observedGeneration: update.observedGeneration,
    lastTransitionTime,
    reason: update.reason,
    message: update.message,
  };
  if (
    existing !== undefined &&
    conditions !== undefined &&
    existing.status === next.status &&
    existing.reason === next.reason &&
    existing.message === next.message &&
    existing.observedGeneration === next.observedGeneration
  ) {
    return conditions as GatewayStatusCondition[];
  }
  if (index === -1) return [...list, next];
  return list.map((c, i) => (i === index ? next : c));
}

/** The condition of `type`, if present. */
export function getCondition(
  conditions: readonly GatewayStatusCondition[] | undefined,
  type: ConditionType,
): GatewayStatusCondition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of `type` is present with status "True". */
export function isTrue(
  conditions: readonly GatewayStatusCondition[] | undefined,
  type: ConditionType,
): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

/** RFC 3339 at second precision, as the API server stores metav1.Time. */
function toRfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
