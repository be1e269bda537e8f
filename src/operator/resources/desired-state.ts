import type {
  V1ConfigMap,
  V1Deployment,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { withDefaults } from '../api/v1alpha1/defaults.ts';
import type {
  PulsarWebSocketGateway,
  PulsarWebSocketGatewayDefaulted,
} from '../api/v1alpha1/types.ts';
import { buildCertificate, type Certificate } from './certificate.ts';
import { configHash } from './config-hash.ts';
import { buildConfigMap } from './config-map.ts';
import { buildDeployment } from './deployment.ts';
import { buildGatewayConfig, renderGatewayConfig } from './gateway-config.ts';
import { buildHorizontalPodAutoscaler } from './hpa.ts';
import { childNames } from './names.ts';
import { buildPodDisruptionBudget } from './pdb.ts';
import { referencedSecrets } from './referenced-secrets.ts';
import { buildServiceMonitor, type ServiceMonitor } from './service-monitor.ts';
import { buildService } from './service.ts';
import { buildCaSecret, buildServerTlsSecret, type SelfSignedTlsMaterial } from './tls-secrets.ts';

/** What the reconciler learned from the cluster and hands to the pure builders. */
export interface DesiredStateContext {
  /** Gateway image when `spec.image` is unset: the gateway image of the operator's own version. */
  defaultImage: string;
  /**
   * `hashSecretData` of each referenced Secret, by Secret name (see `referencedSecrets`). Only
   * Secrets that are not hot-reloaded count towards the pod-template hash; a referenced Secret
   * absent from this map hashes as "missing".
   */
  secretHashes: Readonly<Record<string, string>>;
  /** cert-manager's Certificate CRD (cert-manager.io/v1) is served; otherwise no Certificate. */
  certManagerAvailable: boolean;
  /** The Prometheus Operator's ServiceMonitor CRD is served; otherwise no ServiceMonitor. */
  serviceMonitorAvailable: boolean;
  /**
   * The kubernetes.io/tls Secret to mount for wss://, or undefined while there is none to mount
   * (TLS off, or a cert-manager/user Secret that does not exist yet): the gateway then serves
   * ws:// only. Usually {@link tlsSecretNameFor} once that Secret exists.
   */
  tlsSecretName: string | undefined;
  /**
   * Self-signed mode: the CA and server certificate to store (new or carried over from the
   * existing Secrets; see `certs/self-signed.ts` needsReissue). Without it no TLS Secrets are
   * built.
   */
  selfSignedTls?: SelfSignedTlsMaterial;
}

/** Every object kind `buildDesiredState` may return. */
export type DesiredObject =
  | V1ConfigMap
  | V1Secret
  | Certificate
  | V1Service
  | V1Deployment
  | V2HorizontalPodAutoscaler
  | V1PodDisruptionBudget
  | ServiceMonitor;

/**
 * Every kind the operator creates, in apply order. Owned objects of these kinds that are not
 * in the desired state (an HPA after autoscaling was turned off, ...) are to be deleted.
 */
export const MANAGED_KINDS = [
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'cert-manager.io/v1', kind: 'Certificate' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
] as const;

/**
 * The Secret whose `tls.crt`/`tls.key` the gateway serves for `gw`: the user's Secret (mode
 * secret), the operator's or cert-manager's `<name>-gateway-tls` (selfSigned, certManager), or
 * undefined (mode none).
 */
export function tlsSecretNameFor(gw: PulsarWebSocketGateway): string | undefined {
  const { tls } = withDefaults(gw).spec;
  switch (tls.mode) {
    case 'none':
      return undefined;
    case 'secret':
      return tls.secretName;
    case 'selfSigned':
    case 'certManager':
      return childNames(gw.metadata.name ?? '').tlsSecret;
  }
}

function defined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/**
 * The desired children of `gw`, fully formed (apiVersion, kind, metadata with name, namespace,
 * labels and the controller ownerReference, spec/data) and in apply order: ConfigMap, TLS
 * Secrets, Certificate, Service, Deployment, HorizontalPodAutoscaler, PodDisruptionBudget,
 * ServiceMonitor. Pure: same inputs, same output, no I/O. Schema defaults are applied first,
 * so a partial spec is fine. Objects whose CRD is missing (per `ctx`) or that the spec
 * disables are left out; see {@link MANAGED_KINDS} for pruning.
 */
export function buildDesiredState(
  gw: PulsarWebSocketGateway,
  ctx: DesiredStateContext,
): DesiredObject[] {
  const g: PulsarWebSocketGatewayDefaulted = withDefaults(gw);
  const tlsEnabled = g.spec.tls.mode !== 'none' && ctx.tlsSecretName !== undefined;
  const tlsSecretName = tlsEnabled ? ctx.tlsSecretName : undefined;
  const rendered = renderGatewayConfig(buildGatewayConfig(g, tlsEnabled));
  const rolling: Record<string, string> = {};
  for (const ref of referencedSecrets(g)) {
    if (!ref.hotReloaded) rolling[ref.name] = ctx.secretHashes[ref.name] ?? 'missing';
  }
  const selfSigned =
    g.spec.tls.mode === 'selfSigned' && ctx.selfSignedTls !== undefined
      ? [buildCaSecret(g, ctx.selfSignedTls.ca), buildServerTlsSecret(g, ctx.selfSignedTls)]
      : [];
  const objects: (DesiredObject | undefined)[] = [
    buildConfigMap(g, rendered),
    ...selfSigned,
    ctx.certManagerAvailable ? buildCertificate(g) : undefined,
    buildService(g, tlsEnabled),
    buildDeployment(g, {
      image: g.spec.image ?? ctx.defaultImage,
      configHash: configHash(rendered, rolling),
      tlsSecretName,
    }),
    buildHorizontalPodAutoscaler(g),
    buildPodDisruptionBudget(g),
    ctx.serviceMonitorAvailable ? buildServiceMonitor(g) : undefined,
  ];
  return objects.filter(defined);
}
