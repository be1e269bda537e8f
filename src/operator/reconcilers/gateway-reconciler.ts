import type { KubernetesObject, V1Deployment, V1Secret } from '@kubernetes/client-node';
import type { Clock, Logger } from '../../shared/index.ts';
import { LABEL_KEYS } from '../api/v1alpha1/constants.ts';
import { withDefaults } from '../api/v1alpha1/defaults.ts';
import type {
  PulsarWebSocketGateway,
  PulsarWebSocketGatewayDefaulted,
  PulsarWebSocketGatewayStatus,
} from '../api/v1alpha1/types.ts';
import {
  createCa,
  createServerCertificate,
  DAY_MS,
  parseCertificate,
  renewalTime,
  type KeyPairPem,
} from '../certs/self-signed.ts';
import { assessSelfSigned, reissueReasonText } from '../certs/assess-self-signed.ts';
import { apiErrors, isInvalid } from '../kube/api-errors.ts';
import type { EventInput, EventRecorder } from '../kube/event-recorder.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import {
  buildDesiredState,
  MANAGED_KINDS,
  type DesiredObject,
  type DesiredStateContext,
} from '../resources/desired-state.ts';
import { labelValue } from '../resources/labels.ts';
import { childNames, serviceDnsNames } from '../resources/names.ts';
import { hashSecretData, referencedSecrets } from '../resources/referenced-secrets.ts';
import type { SelfSignedTlsMaterial } from '../resources/tls-secrets.ts';
import type { Result } from '../runtime/result.ts';
import { CONDITION_TYPES, getCondition, REASONS } from '../status/conditions.ts';
import {
  computeGatewayStatus,
  pausedStatus,
  statusPatch,
  type BlockingProblem,
  type CertificateState,
} from './gateway-status.ts';
import { certManagerCertificateState } from './cert-manager-state.ts';
import { selectPrunable } from './prune.ts';

/** Read access to an informer cache (an {@link Informer} fits). */
export interface ObjectCache<T extends KubernetesObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): T[];
}

/** The caches the reconciler reads current state from. */
export interface GatewayCaches {
  gateways: ObjectCache<PulsarWebSocketGateway>;
  /** Every Secret of the watched namespaces: owned TLS Secrets and user-referenced ones. */
  secrets: ObjectCache<V1Secret>;
  /**
   * Caches of owned kinds, by `apiVersion/kind` (e.g. `apps/v1/Deployment`). Kinds of
   * {@link MANAGED_KINDS} without a cache (optional CRDs) are read from the API server.
   */
  owned: ReadonlyMap<string, ObjectCache<KubernetesObject>>;
}

/** Options of {@link GatewayReconciler}. */
export interface GatewayReconcilerOptions {
  client: KubeClient;
  caches: GatewayCaches;
  events: EventRecorder;
  clock: Clock;
  logger: Logger;
  /** Gateway image when `spec.image` is unset. */
  defaultImage: string;
  /**
   * Length of a certificate "day" in ms (default {@link DAY_MS}). Tests shorten it so that
   * `tls.validityDays`/`renewBeforeDays` expire in seconds.
   */
  dayMs?: number;
  /** How long a discovery answer (is cert-manager / ServiceMonitor served?) is reused (default 60 000 ms). */
  discoveryTtlMs?: number;
  /**
   * certManager mode: how soon to look again while the Certificate is not Ready (default
   * 10 000 ms). Certificates are watched once the Certificate informer runs (it starts when
   * discovery finds cert-manager's CRD, see the manager); this poll covers the time before
   * that. It reads the cache, so it costs no API request once the informer runs.
   */
  certificatePollMs?: number;
  /**
   * When the API server rejects a child (422, 400, 403: `ApplyFailed`), retry after this many
   * ms (default 60 000): no event tells us when an admission policy or RBAC changes.
   */
  applyRetryMs?: number;
}

/** The key of a cache in {@link GatewayCaches.owned}. */
export function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/** Longest requeue delay for certificate renewal (12 h); later renewals are re-planned then. */
const MAX_REQUEUE_MS = 12 * 3_600_000;

/** CA lifetime: much longer than the server certificates it signs, at least 10 years. */
function caValidityDays(serverValidityDays: number): number {
  return Math.max(10 * serverValidityDays, 3650);
}

function decode(
  data: Readonly<Record<string, string>> | undefined,
  key: string,
): string | undefined {
  const v = data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

function pairFrom(secret: V1Secret | undefined): Partial<KeyPairPem> | undefined {
  if (secret === undefined) return undefined;
  const certPem = decode(secret.data, 'tls.crt');
  const keyPem = decode(secret.data, 'tls.key');
  return {
    ...(certPem === undefined ? {} : { certPem }),
    ...(keyPem === undefined ? {} : { keyPem }),
  };
}

/** What the TLS step decided. */
interface TlsPlan {
  tlsSecretName: string | undefined;
  selfSigned?: SelfSignedTlsMaterial;
  certificate?: CertificateState;
  certManagerAvailable: boolean;
  requeueAfterMs?: number;
  event?: EventInput;
}

/** The API server rejected a child (invalid, bad request, forbidden): see `#applyAll`. */
class ApplyRejected extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'ApplyRejected';
  }
}

/**
 * The level-based reconciler of one PulsarWebSocketGateway (`namespace/name`):
 *
 * 1. Reads the gateway from the informer cache; gone or being deleted → nothing to do (its
 *    children go with it through their ownerReferences).
 * 2. `spec.paused` → status only (`Progressing=False`, reason `Paused`), no child writes.
 * 3. Resolves the referenced Secrets; a missing Secret or key → `Ready=False` with reason
 *    `SecretNotFound`/`SecretKeyMissing`, a Warning Event, and a requeue with backoff. The
 *    Secret informer also maps Secrets to the gateways referencing them, so creating the Secret
 *    recovers at once.
 * 4. TLS: self-signed CA and server certificate kept, renewed `renewBeforeDays` before expiry
 *    (the result asks to be requeued at the renewal time); cert-manager only when its API is
 *    served (else `CertificateReady=False`, `CertManagerMissing`); or the user's Secret.
 * 5. Builds the desired children (pure) and server-side applies each one that differs from
 *    the cache; deletes owned children that are no longer desired.
 * 6. Computes status from the Deployment and writes it only when it changed.
 *
 * A reconcile over an unchanged world sends no write. Retryable failures are thrown (the queue
 * backs off); an apply the API server rejects (invalid, forbidden) is reported as `Ready=False`
 * `ApplyFailed` with the API server's message and a Warning Event, and retried every
 * `applyRetryMs`.
 */
export class GatewayReconciler {
  readonly #o: GatewayReconcilerOptions;
  readonly #log: Logger;
  readonly #dayMs: number;
  readonly #discovery = new Map<string, { value: boolean; at: number }>();
  readonly #warned = new Set<string>();

  constructor(options: GatewayReconcilerOptions) {
    this.#o = options;
    this.#dayMs = options.dayMs ?? DAY_MS;
    this.#log = options.logger.child({ component: 'gateway-reconciler' });
  }

  /** The {@link Reconciler} function for a {@link Controller}. */
  readonly reconcile = async (key: string): Promise<Result> => {
    const slash = key.indexOf('/');
    const namespace = slash < 0 ? 'default' : key.slice(0, slash);
    const name = slash < 0 ? key : key.slice(slash + 1);
    const gw = this.#o.caches.gateways.get(namespace, name);
    if (gw === undefined || gw.metadata.deletionTimestamp !== undefined) {
      return {};
    }
    const g = withDefaults(gw);
    const now = new Date(this.#o.clock.now());
    if (g.spec.paused) {
      await this.#writeStatus(gw, pausedStatus(g, now));
      return {};
    }

    const secrets = this.#resolveSecrets(g);
    if (secrets.problem !== undefined) {
      await this.#record(gw, {
        type: 'Warning',
        reason: secrets.problem.reason,
        action: 'Reconcile',
        note: secrets.problem.message,
      });
      await this.#writeStatus(
        gw,
        computeGatewayStatus({
          gateway: g,
          deployment: this.#cachedDeployment(g),
          tlsEnabled: gw.status?.endpoints?.wss !== undefined,
          blocked: secrets.problem,
          certificate: this.#currentCertificateState(gw),
          now,
        }),
      );
      // The Secret informer normally brings the key back when the Secret appears; the
      // backoff requeue covers a missed event.
      return { requeue: true };
    }

    const tls = await this.#planTls(g, now);
    const ctx: DesiredStateContext = {
      defaultImage: this.#o.defaultImage,
      secretHashes: secrets.hashes,
      certManagerAvailable: tls.certManagerAvailable,
      serviceMonitorAvailable:
        g.spec.metrics.enabled && g.spec.metrics.serviceMonitor.enabled
          ? await this.#served('monitoring.coreos.com', 'servicemonitors')
          : false,
      tlsSecretName: tls.tlsSecretName,
      ...(tls.selfSigned === undefined ? {} : { selfSignedTls: tls.selfSigned }),
    };
    const desired = buildDesiredState(gw, ctx);
    let applied;
    try {
      applied = await this.#applyAll(gw, g, desired, now, tls.certificate);
    } catch (err) {
      if (!(err instanceof ApplyRejected)) throw err;
      return { requeueAfterMs: this.#o.applyRetryMs ?? 60_000 };
    }
    const deployment = applied.get('Deployment');
    if (tls.event !== undefined) await this.#record(gw, tls.event);
    await this.#prune(g, desired);
    const requeueAfterMs = await this.#optionalKinds(gw, g, ctx, tls, applied, now);

    const status = computeGatewayStatus({
      gateway: g,
      deployment,
      tlsEnabled: ctx.tlsSecretName !== undefined,
      ...(tls.certificate === undefined ? {} : { certificate: tls.certificate }),
      now,
    });
    await this.#writeStatus(gw, status);
    await this.#recordReadyTransition(gw, status);
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  };

  /**
   * Follows up on the optional CRDs: in certManager mode `CertificateReady` follows the applied
   * Certificate's status (polled while not Ready, re-read at its renewal time); a requested
   * ServiceMonitor whose CRD is missing gets a Warning Event once per generation; either CRD
   * missing re-checks discovery after its TTL, since installing a CRD sends us no event.
   * Mutates `tls.certificate`; returns the requeue delay.
   */
  async #optionalKinds(
    gw: PulsarWebSocketGateway,
    g: PulsarWebSocketGatewayDefaulted,
    ctx: DesiredStateContext,
    tls: TlsPlan,
    applied: ReadonlyMap<string, KubernetesObject>,
    now: Date,
  ): Promise<number | undefined> {
    let requeueAfterMs = tls.requeueAfterMs;
    if (tls.certManagerAvailable) {
      tls.certificate = certManagerCertificateState(
        applied.get('Certificate'),
        childNames(g.metadata.name ?? '').tlsSecret,
      );
      if (tls.certificate.status !== 'True') {
        requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, this.#o.certificatePollMs ?? 10_000);
      } else if (tls.certificate.renewAt !== undefined) {
        // Past the renewal time cert-manager swaps the Secret (an event for us) and refreshes
        // the Certificate's status: look again then so status.certificate follows.
        const untilRenewal = tls.certificate.renewAt.getTime() - now.getTime() + 1000;
        requeueAfterMs = Math.min(
          requeueAfterMs ?? Infinity,
          Math.min(MAX_REQUEUE_MS, Math.max(1000, untilRenewal)),
        );
      }
    }
    if (
      !ctx.serviceMonitorAvailable &&
      g.spec.metrics.enabled &&
      g.spec.metrics.serviceMonitor.enabled
    ) {
      await this.#warnOnce(gw, {
        type: 'Warning',
        reason: REASONS.serviceMonitorCrdMissing,
        action: 'Apply',
        note: 'metrics.serviceMonitor is enabled but the ServiceMonitor CRD (monitoring.coreos.com/v1) is not installed; no ServiceMonitor was created.',
      });
      requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, this.#discoveryTtlMs);
    }
    return requeueAfterMs;
  }

  get #discoveryTtlMs(): number {
    return this.#o.discoveryTtlMs ?? 60_000;
  }

  /** Records `event` once per gateway generation (a resync must not write it again). */
  async #warnOnce(gw: PulsarWebSocketGateway, event: EventInput): Promise<void> {
    const key = `${gw.metadata.uid ?? ''}/${String(gw.metadata.generation ?? 0)}/${event.reason}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    if (this.#warned.size > 10_000) this.#warned.clear();
    await this.#record(gw, event);
  }

  #resolveSecrets(g: PulsarWebSocketGatewayDefaulted): {
    hashes: Record<string, string>;
    problem?: BlockingProblem;
  } {
    const namespace = g.metadata.namespace ?? 'default';
    const hashes: Record<string, string> = {};
    for (const ref of referencedSecrets(g)) {
      const secret = this.#o.caches.secrets.get(namespace, ref.name);
      const uses = ref.purposes.join(', ');
      if (secret === undefined) {
        return {
          hashes,
          problem: {
            reason: REASONS.secretNotFound,
            message: `Secret "${ref.name}" (used for ${uses}) not found in namespace "${namespace}".`,
          },
        };
      }
      const missing = ref.keys.filter((k) => secret.data?.[k] === undefined);
      if (missing.length > 0) {
        return {
          hashes,
          problem: {
            reason: REASONS.secretKeyMissing,
            message: `Secret "${ref.name}" has no key ${missing.map((k) => `"${k}"`).join(', ')} (used for ${uses}).`,
          },
        };
      }
      hashes[ref.name] = hashSecretData(secret.data, ref.keys);
    }
    return { hashes };
  }

  async #planTls(g: PulsarWebSocketGatewayDefaulted, now: Date): Promise<TlsPlan> {
    const { tls } = g.spec;
    const namespace = g.metadata.namespace ?? 'default';
    const names = childNames(g.metadata.name ?? '');
    switch (tls.mode) {
      case 'none':
        return { tlsSecretName: undefined, certManagerAvailable: false };
      case 'secret': {
        const secretName = tls.secretName ?? '';
        const certPem = decode(this.#o.caches.secrets.get(namespace, secretName)?.data, 'tls.crt');
        return {
          tlsSecretName: secretName,
          certManagerAvailable: false,
          certificate: this.#certificateFromPem(certPem, secretName, tls.renewBeforeDays),
        };
      }
      case 'certManager': {
        const available = await this.#served('cert-manager.io', 'certificates');
        if (!available) {
          return {
            tlsSecretName: undefined,
            certManagerAvailable: false,
            // Look again once the discovery answer expires: installing cert-manager sends us
            // no event.
            requeueAfterMs: this.#discoveryTtlMs,
            certificate: {
              status: 'False',
              reason: REASONS.certManagerMissing,
              message:
                'tls.mode is certManager but cert-manager is not installed (the API certificates.cert-manager.io is not served); the gateway serves ws:// only.',
            },
          };
        }
        // CertificateReady follows the Certificate's status once it is applied (see
        // reconcile); the Secret is mounted as soon as cert-manager wrote a certificate into it.
        const certPem = decode(
          this.#o.caches.secrets.get(namespace, names.tlsSecret)?.data,
          'tls.crt',
        );
        return {
          tlsSecretName: certPem === undefined ? undefined : names.tlsSecret,
          certManagerAvailable: true,
        };
      }
      case 'selfSigned':
        return this.#planSelfSigned(
          g,
          now,
          serviceDnsNames(names.service, namespace, tls.dnsNames ?? []),
        );
    }
  }

  #certificateFromPem(
    certPem: string | undefined,
    secretName: string,
    renewBeforeDays: number,
  ): CertificateState {
    if (certPem === undefined) {
      return {
        status: 'False',
        reason: REASONS.certificatePending,
        message: `Secret "${secretName}" has no tls.crt yet.`,
      };
    }
    try {
      const info = parseCertificate(certPem);
      return {
        status: 'True',
        reason: REASONS.certificateIssued,
        message: `Certificate in Secret "${secretName}" is valid until ${info.notAfter.toISOString()}.`,
        notAfter: info.notAfter,
        renewAt: renewalTime(info.notAfter, renewBeforeDays, this.#dayMs),
      };
    } catch {
      return {
        status: 'False',
        reason: REASONS.invalidSpec,
        message: `tls.crt of Secret "${secretName}" is not a PEM certificate.`,
      };
    }
  }

  /**
   * Keeps or (re)issues the self-signed CA and server certificate (see assessSelfSigned). What
   * the cluster holds decides: the cached Secrets first; when they do not settle it (a pair is
   * missing or due), a live read, because the cache may lag behind our own last write (issuing
   * again would churn) or lack the Secrets after a restart. Nothing remembered in-process
   * counts, so a Secret deleted by hand brings a newly issued certificate, not the old one.
   */
  async #planSelfSigned(
    g: PulsarWebSocketGatewayDefaulted,
    now: Date,
    dnsNames: string[],
  ): Promise<TlsPlan> {
    const { tls } = g.spec;
    const namespace = g.metadata.namespace ?? 'default';
    const names = childNames(g.metadata.name ?? '');
    const dayMs = this.#dayMs;
    const requirements = {
      now,
      dnsNames,
      renewBeforeDays: tls.renewBeforeDays,
      caRenewBeforeDays: tls.validityDays,
      dayMs,
    };
    let found = assessSelfSigned(
      {
        ca: pairFrom(this.#o.caches.secrets.get(namespace, names.caSecret)),
        server: pairFrom(this.#o.caches.secrets.get(namespace, names.tlsSecret)),
      },
      requirements,
    );
    if (found.server === undefined) {
      const [caSecret, serverSecret] = await Promise.all([
        this.#o.client.get<V1Secret>('v1', 'Secret', namespace, names.caSecret),
        this.#o.client.get<V1Secret>('v1', 'Secret', namespace, names.tlsSecret),
      ]);
      found = assessSelfSigned(
        { ca: pairFrom(caSecret), server: pairFrom(serverSecret) },
        requirements,
      );
    }
    let event: EventInput | undefined;
    const ca =
      found.ca ??
      (await createCa(`${g.metadata.name ?? ''}.${namespace} gateway CA`, {
        now,
        validityDays: caValidityDays(tls.validityDays),
        dayMs,
      }));
    let server: KeyPairPem;
    if (found.server !== undefined) {
      server = found.server;
    } else {
      server = await createServerCertificate(ca, dnsNames, {
        now,
        validityDays: tls.validityDays,
        dayMs,
      });
      const renewed = found.serverReason === 'RenewalDue';
      event = {
        type: 'Normal',
        reason: renewed ? 'CertificateRenewed' : REASONS.certificateIssued,
        action: 'IssueCertificate',
        note:
          found.ca === undefined
            ? `Issued a new self-signed CA in Secret "${names.caSecret}" (${reissueReasonText(found.caReason)}) and a new server certificate in Secret "${names.tlsSecret}" (${reissueReasonText(found.serverReason)}).`
            : `${renewed ? 'Renewed' : 'Issued'} the self-signed server certificate in Secret "${names.tlsSecret}" (${reissueReasonText(found.serverReason)}).`,
      };
    }
    const notAfter = parseCertificate(server.certPem).notAfter;
    const renewAt = renewalTime(notAfter, tls.renewBeforeDays, dayMs);
    const caRenewAt = renewalTime(parseCertificate(ca.certPem).notAfter, tls.validityDays, dayMs);
    const material: SelfSignedTlsMaterial = { ca, server, dnsNames, renewAt };
    const next = Math.min(renewAt.getTime(), caRenewAt.getTime()) - now.getTime();
    return {
      tlsSecretName: names.tlsSecret,
      selfSigned: material,
      certManagerAvailable: false,
      // At least a second: a renewal time in the past was just handled by reissuing. At most
      // MAX_REQUEUE_MS: Node fires timers longer than 2^31-1 ms (~24.8 days) at once, which
      // turned a 335-day renewal delay into a busy loop.
      requeueAfterMs: Math.min(MAX_REQUEUE_MS, Math.max(1000, next)),
      certificate: {
        status: 'True',
        reason: REASONS.certificateIssued,
        message: `Self-signed certificate valid until ${notAfter.toISOString()}, renewed from ${renewAt.toISOString()}.`,
        notAfter,
        renewAt,
      },
      ...(event === undefined ? {} : { event }),
    };
  }

  async #applyAll(
    gw: PulsarWebSocketGateway,
    g: PulsarWebSocketGatewayDefaulted,
    desired: readonly DesiredObject[],
    now: Date,
    certificate: CertificateState | undefined,
  ): Promise<Map<string, KubernetesObject>> {
    const applied = new Map<string, KubernetesObject>();
    const created: string[] = [];
    // Children are independent API objects, so each phase is applied concurrently (one round
    // trip per phase, not per child: a first reconcile took ~1.6 s of mostly waiting). The
    // phases keep what pods mount (ConfigMap, Secrets, Certificate) before the workload.
    for (const phase of applyPhases(desired)) {
      const results = await Promise.allSettled(
        phase.map(async (obj) => {
          const current = await this.#current(obj);
          const outcome = await this.#o.client.applyIfChanged<KubernetesObject>(obj, current);
          return { obj, current, outcome };
        }),
      );
      const failed = results.findIndex((r) => r.status === 'rejected');
      if (failed !== -1) {
        const obj = phase[failed] as DesiredObject;
        const err: unknown = (results[failed] as PromiseRejectedResult).reason;
        const detail = apiErrors.message(err);
        const message = `Applying ${obj.kind ?? ''} "${obj.metadata?.name ?? ''}" failed (HTTP ${String(apiErrors.code(err) ?? 'error')})${detail === undefined ? '' : `: ${detail}`}`;
        this.#log.error(
          { err, kind: obj.kind, name: obj.metadata?.name, namespace: g.metadata.namespace },
          'Apply failed',
        );
        await this.#record(gw, {
          type: 'Warning',
          reason: REASONS.applyFailed,
          action: 'Apply',
          note: message,
        });
        await this.#writeStatus(
          gw,
          computeGatewayStatus({
            gateway: g,
            deployment: this.#cachedDeployment(g),
            tlsEnabled: gw.status?.endpoints?.wss !== undefined,
            blocked: { reason: REASONS.applyFailed, message },
            ...(certificate === undefined ? {} : { certificate }),
            now,
          }),
        );
        // 422/400/403: rejected, not failed. Retrying at backoff speed would hammer the API
        // server; never retrying would miss fixes made elsewhere (an admission policy
        // relaxed, RBAC granted), which send us no event. So: a slow, fixed retry.
        const code = apiErrors.code(err);
        if (isInvalid(err) || code === 400 || code === 403) throw new ApplyRejected(message, err);
        throw err;
      }
      for (const r of results) {
        if (r.status !== 'fulfilled') continue;
        const { obj, current, outcome } = r.value;
        if (outcome.wrote && current === undefined) {
          created.push(`${obj.kind ?? ''} "${obj.metadata?.name ?? ''}"`);
        }
        applied.set(obj.kind ?? '', outcome.object);
      }
    }
    // One Event for everything a reconcile created (not one per child): a first reconcile
    // would otherwise write as many Events as children.
    if (created.length > 0) {
      await this.#record(gw, {
        type: 'Normal',
        reason: 'Created',
        action: 'Apply',
        note: `Created ${created.join(', ')}.`,
      });
    }
    return applied;
  }

  /** The live object for `obj`: from its informer cache, or read when its kind has none. */
  async #current(obj: KubernetesObject): Promise<KubernetesObject | undefined> {
    const apiVersion = obj.apiVersion ?? '';
    const kind = obj.kind ?? '';
    const namespace = obj.metadata?.namespace;
    const name = obj.metadata?.name ?? '';
    if (kind === 'Secret' && apiVersion === 'v1')
      return this.#o.caches.secrets.get(namespace, name);
    const cache = this.#o.caches.owned.get(kindKey(apiVersion, kind));
    if (cache !== undefined) return cache.get(namespace, name);
    return this.#o.client.get(apiVersion, kind, namespace, name);
  }

  #cachedDeployment(g: PulsarWebSocketGatewayDefaulted): V1Deployment | undefined {
    const cache = this.#o.caches.owned.get(kindKey('apps/v1', 'Deployment'));
    return cache?.get(g.metadata.namespace, childNames(g.metadata.name ?? '').deployment);
  }

  async #prune(
    g: PulsarWebSocketGatewayDefaulted,
    desired: readonly DesiredObject[],
  ): Promise<void> {
    const namespace = g.metadata.namespace ?? 'default';
    const uid = g.metadata.uid ?? '';
    for (const kind of MANAGED_KINDS) {
      const existing = await this.#owned(kind, namespace, g);
      const wanted = new Set(
        desired
          .filter((d) => d.kind === kind.kind && d.apiVersion === kind.apiVersion)
          .map((d) => d.metadata?.name ?? ''),
      );
      for (const target of selectPrunable(kind, existing, wanted, uid)) {
        await this.#o.client.delete(target.apiVersion, target.kind, target.namespace, target.name, {
          ...(target.uid === undefined ? {} : { uid: target.uid }),
        });
        this.#log.info(
          { kind: target.kind, name: target.name, namespace: target.namespace },
          'Pruned child no longer desired',
        );
      }
    }
  }

  async #owned(
    kind: (typeof MANAGED_KINDS)[number],
    namespace: string,
    g: PulsarWebSocketGatewayDefaulted,
  ): Promise<KubernetesObject[]> {
    if (kind.kind === 'Secret') return this.#o.caches.secrets.list(namespace);
    const cache = this.#o.caches.owned.get(kindKey(kind.apiVersion, kind.kind));
    if (cache !== undefined) return cache.list(namespace);
    const group = kind.apiVersion.slice(0, kind.apiVersion.indexOf('/'));
    const plural = kind.kind === 'Certificate' ? 'certificates' : 'servicemonitors';
    if (!(await this.#served(group, plural))) return [];
    const list = await this.#o.client.list(
      kind.apiVersion,
      kind.kind,
      namespace,
      `${LABEL_KEYS.instance}=${labelValue(g.metadata.name ?? '')}`,
    );
    return list.items;
  }

  /** Discovery: is `plural.group` served? Cached for `discoveryTtlMs`. */
  async #served(group: string, plural: string): Promise<boolean> {
    const key = `${plural}.${group}`;
    const now = this.#o.clock.monotonic();
    const hit = this.#discovery.get(key);
    if (hit !== undefined && now - hit.at < this.#discoveryTtlMs) return hit.value;
    const value = await this.#o.client.crdExists(group, plural);
    this.#discovery.set(key, { value, at: now });
    return value;
  }

  /** The CertificateReady condition as it stands, so a blocked reconcile does not change it. */
  #currentCertificateState(gw: PulsarWebSocketGateway): CertificateState | undefined {
    const c = getCondition(gw.status?.conditions, CONDITION_TYPES.certificateReady);
    if (c === undefined) return undefined;
    const cert = gw.status?.certificate;
    return {
      status: c.status,
      reason: c.reason as CertificateState['reason'],
      message: c.message,
      ...(cert?.notAfter === undefined ? {} : { notAfter: new Date(cert.notAfter) }),
      ...(cert?.renewAt === undefined ? {} : { renewAt: new Date(cert.renewAt) }),
    };
  }

  async #writeStatus(
    gw: PulsarWebSocketGateway,
    status: PulsarWebSocketGatewayStatus,
  ): Promise<void> {
    await this.#o.client.patchStatusIfChanged(gw, statusPatch(gw.status, status));
  }

  async #recordReadyTransition(
    gw: PulsarWebSocketGateway,
    status: PulsarWebSocketGatewayStatus,
  ): Promise<void> {
    const before = getCondition(gw.status?.conditions, CONDITION_TYPES.ready)?.status;
    const after = getCondition(status.conditions, CONDITION_TYPES.ready);
    if (after === undefined || after.status === before) return;
    if (after.status === 'True') {
      await this.#record(gw, {
        type: 'Normal',
        reason: after.reason,
        action: 'Reconcile',
        note: after.message,
      });
    } else if (before === 'True') {
      await this.#record(gw, {
        type: 'Warning',
        reason: after.reason,
        action: 'Reconcile',
        note: after.message,
      });
    }
  }

  async #record(gw: PulsarWebSocketGateway, event: EventInput): Promise<void> {
    // EventRecorder never rejects: events are best effort (client-go semantics).
    await this.#o.events.record(gw, event);
  }
}

/** Kinds pods mount: applied, all at once, before the rest (applied all at once too). */
const MOUNTED_KINDS = new Set(['ConfigMap', 'Secret', 'Certificate']);

/** `desired` split into apply phases, each in the input order. */
function applyPhases(desired: readonly DesiredObject[]): DesiredObject[][] {
  const first = desired.filter((d) => MOUNTED_KINDS.has(d.kind ?? ''));
  const rest = desired.filter((d) => !MOUNTED_KINDS.has(d.kind ?? ''));
  return [first, rest].filter((p) => p.length > 0);
}
