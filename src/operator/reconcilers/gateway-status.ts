import type { V1Deployment, V1DeploymentCondition } from '@kubernetes/client-node';
import type {
  GatewayStatusCondition,
  PulsarWebSocketGatewayDefaulted,
  PulsarWebSocketGatewayStatus,
} from '../api/v1alpha1/types.ts';
import { gatewayEndpoints } from '../resources/endpoints.ts';
import { selectorString } from '../resources/labels.ts';
import {
  CONDITION_TYPES,
  REASONS,
  setCondition,
  type ConditionReason,
  type ConditionStatus,
} from '../status/conditions.ts';

/** A problem that kept the reconciler from applying the children as specified. */
export interface BlockingProblem {
  reason:
    | typeof REASONS.secretNotFound
    | typeof REASONS.secretKeyMissing
    | typeof REASONS.applyFailed
    | typeof REASONS.invalidSpec;
  /** Human-readable; names the Secret, key or object concerned. Never contains secret data. */
  message: string;
}

/** What the reconciler knows about the client-facing certificate (TLS modes other than none). */
export interface CertificateState {
  status: ConditionStatus;
  reason: ConditionReason;
  message: string;
  notAfter?: Date;
  renewAt?: Date;
}

/** Inputs of {@link computeGatewayStatus}. */
export interface StatusInputs {
  gateway: PulsarWebSocketGatewayDefaulted;
  /** The gateway Deployment as last read or applied; undefined when it does not exist. */
  deployment: V1Deployment | undefined;
  /** Whether the wss:// port is served (a TLS Secret is mounted). */
  tlsEnabled: boolean;
  blocked?: BlockingProblem;
  /** Undefined for tls.mode none: the CertificateReady condition is then removed. */
  certificate?: CertificateState;
  now: Date;
}

function deploymentCondition(dep: V1Deployment, type: string): V1DeploymentCondition | undefined {
  return dep.status?.conditions?.find((c) => c.type === type);
}

interface RolloutView {
  desired: number;
  replicas: number;
  ready: number;
  available: boolean;
  deadlineExceeded: boolean;
  rolledOut: boolean;
}

/**
 * How far the Deployment got, judged the way `kubectl rollout status` does: the Deployment
 * controller has seen the latest generation, every replica runs the new template, and the
 * new ones are available.
 */
function rollout(dep: V1Deployment): RolloutView {
  const st = dep.status ?? {};
  const desired = dep.spec?.replicas ?? 1;
  const updated = st.updatedReplicas ?? 0;
  const replicas = st.replicas ?? 0;
  const observed = (st.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 0);
  return {
    desired,
    replicas,
    ready: st.readyReplicas ?? 0,
    available: deploymentCondition(dep, 'Available')?.status === 'True',
    deadlineExceeded:
      deploymentCondition(dep, 'Progressing')?.reason === 'ProgressDeadlineExceeded',
    rolledOut:
      observed &&
      updated >= desired &&
      replicas <= updated &&
      (st.availableReplicas ?? 0) >= desired,
  };
}

interface Verdict {
  status: ConditionStatus;
  reason: ConditionReason;
  message: string;
}

function readyVerdict(inputs: StatusInputs, view: RolloutView | undefined): Verdict {
  if (inputs.blocked !== undefined) {
    return { status: 'False', reason: inputs.blocked.reason, message: inputs.blocked.message };
  }
  if (view === undefined) {
    return {
      status: 'False',
      reason: REASONS.deploymentProgressing,
      message: 'The gateway Deployment does not exist yet.',
    };
  }
  // Available alone is not enough: a Deployment scaled to 0 is "Available" yet serves nothing.
  if (view.available && view.ready >= 1) {
    return {
      status: 'True',
      reason: REASONS.deploymentAvailable,
      message: `${view.ready}/${view.desired} gateway pods are ready.`,
    };
  }
  return {
    status: 'False',
    reason: REASONS.minimumReplicasUnavailable,
    message: `${view.ready}/${view.desired} gateway pods are ready.`,
  };
}

function progressingVerdict(inputs: StatusInputs, view: RolloutView | undefined): Verdict {
  if (inputs.blocked !== undefined) {
    return { status: 'False', reason: inputs.blocked.reason, message: inputs.blocked.message };
  }
  if (view?.deadlineExceeded === true) {
    return {
      status: 'False',
      reason: REASONS.progressDeadlineExceeded,
      message: 'The gateway Deployment exceeded its progress deadline.',
    };
  }
  if (view === undefined || !view.rolledOut) {
    return {
      status: 'True',
      reason: REASONS.deploymentProgressing,
      message: 'The gateway Deployment is rolling out.',
    };
  }
  return { status: 'False', reason: REASONS.reconciled, message: 'The rollout is complete.' };
}

function degradedVerdict(inputs: StatusInputs, view: RolloutView | undefined): Verdict {
  if (inputs.blocked !== undefined) {
    return { status: 'True', reason: inputs.blocked.reason, message: inputs.blocked.message };
  }
  if (view?.deadlineExceeded === true) {
    return {
      status: 'True',
      reason: REASONS.progressDeadlineExceeded,
      message: 'The gateway Deployment exceeded its progress deadline.',
    };
  }
  return { status: 'False', reason: REASONS.reconciled, message: '' };
}

/**
 * The status the gateway should have, from the Deployment's status (replicas, readiness,
 * rollout) and what the reconciler found (blocking problems, the certificate). Pure.
 *
 * - `Ready`: True when the Deployment is Available and at least one pod is ready.
 * - `Progressing`: True while a rollout is under way; False when done (reason `Reconciled`),
 *   blocked, or past the Deployment's progress deadline.
 * - `Degraded`: True when blocked (missing Secret, failed apply) or past the progress deadline.
 * - `CertificateReady`: only when TLS is on.
 *
 * Existing conditions keep their `lastTransitionTime` unless their status changes, and the
 * result is deep-equal to `gateway.status` when nothing changed, so the caller writes nothing.
 */
export function computeGatewayStatus(inputs: StatusInputs): PulsarWebSocketGatewayStatus {
  const { gateway: gw, now } = inputs;
  const generation = gw.metadata.generation ?? 0;
  const view = inputs.deployment === undefined ? undefined : rollout(inputs.deployment);
  let conditions: GatewayStatusCondition[] = [...(gw.status?.conditions ?? [])];
  const set = (type: (typeof CONDITION_TYPES)[keyof typeof CONDITION_TYPES], v: Verdict): void => {
    conditions = setCondition(conditions, { type, ...v, observedGeneration: generation }, now);
  };
  set(CONDITION_TYPES.ready, readyVerdict(inputs, view));
  set(CONDITION_TYPES.progressing, progressingVerdict(inputs, view));
  set(CONDITION_TYPES.degraded, degradedVerdict(inputs, view));
  const cert = inputs.certificate;
  if (cert === undefined) {
    conditions = conditions.filter((c) => c.type !== CONDITION_TYPES.certificateReady);
  } else {
    set(CONDITION_TYPES.certificateReady, cert);
  }
  const status: PulsarWebSocketGatewayStatus = {
    observedGeneration: generation,
    conditions,
    replicas: view?.replicas ?? 0,
    readyReplicas: view?.ready ?? 0,
    selector: selectorString(gw.metadata),
    endpoints: gatewayEndpoints(gw, inputs.tlsEnabled),
  };
  if (cert?.notAfter !== undefined) {
    status.certificate = {
      notAfter: toRfc3339(cert.notAfter),
      ...(cert.renewAt === undefined ? {} : { renewAt: toRfc3339(cert.renewAt) }),
    };
  }
  return status;
}

/**
 * The status of a paused gateway: everything as it was, except `Progressing`, which says
 * `Paused`. `Ready` is left alone on purpose: pausing does not stop the running pods.
 */
export function pausedStatus(
  gw: PulsarWebSocketGatewayDefaulted,
  now: Date,
): PulsarWebSocketGatewayStatus {
  const generation = gw.metadata.generation ?? 0;
  const conditions = setCondition(
    gw.status?.conditions,
    {
      type: CONDITION_TYPES.progressing,
      status: 'False',
      reason: REASONS.paused,
      message: 'Reconciliation is paused (spec.paused is true); child objects are not changed.',
      observedGeneration: generation,
    },
    now,
  );
  return { ...gw.status, observedGeneration: generation, conditions };
}

/**
 * `desired` as a JSON merge patch over `current`: fields that `current` has and `desired`
 * dropped (the certificate after TLS was turned off, `endpoints.wss`) become `null`, which a
 * merge patch needs to delete them. Fields `current` lacks are never nulled, so an unchanged
 * status still compares equal and is not written.
 */
export function statusPatch(
  current: PulsarWebSocketGatewayStatus | undefined,
  desired: PulsarWebSocketGatewayStatus,
): object {
  const patch: Record<string, unknown> = { ...desired };
  for (const key of Object.keys(current ?? {})) {
    if (!(key in desired)) patch[key] = null;
  }
  const curEndpoints = current?.endpoints;
  if (curEndpoints?.wss !== undefined && desired.endpoints?.wss === undefined) {
    patch['endpoints'] = { ...desired.endpoints, wss: null };
  }
  const curCert = current?.certificate;
  if (curCert?.renewAt !== undefined && desired.certificate !== undefined) {
    if (desired.certificate.renewAt === undefined) {
      patch['certificate'] = { ...desired.certificate, renewAt: null };
    }
  }
  return patch;
}

/** RFC 3339 at second precision, as the API server stores date-time fields. */
function toRfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
