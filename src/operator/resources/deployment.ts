import type {
  V1Container,
  V1ContainerPort,
  V1Deployment,
  V1EnvVar,
  V1PodSecurityContext,
  V1Probe,
  V1SecurityContext,
  V1TopologySpreadConstraint,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { ANNOTATION_KEYS } from '../api/v1alpha1/constants.ts';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';
import { GATEWAY_CONFIG_KEY, GATEWAY_PATHS, GATEWAY_PORTS } from './gateway-config.ts';
import { gatewayLabels, selectorLabels } from './labels.ts';
import { childNames } from './names.ts';
import { childMetadata } from './object-meta.ts';

/** Inputs of {@link buildDeployment} that do not come from the resource. */
export interface DeploymentInputs {
  /** Container image (spec.image, or the operator's default). */
  image: string;
  /** Value of the `pulsarws.io/config-hash` pod-template annotation. */
  configHash: string;
  /** The kubernetes.io/tls Secret to mount for wss://; undefined: no TLS listener. */
  tlsSecretName: string | undefined;
}

/** Env names the operator sets itself; user env with these names is dropped. */
export const RESERVED_ENV = ['POD_NAME', 'POD_NAMESPACE', 'POD_IP'] as const;

/** Default container resources: CPU requests are needed for the CPU-based HPA. */
const DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { memory: '512Mi' },
};

/** Seconds the kubelet waits after SIGTERM beyond the gateway's own drain time. */
const GRACE_MARGIN_SECONDS = 15;

/** Non-root uid/gid used unless the template says otherwise (numeric, so runAsNonRoot can be verified). */
const NON_ROOT_ID = 65532;

/**
 * `defaults` with every field that `override` sets replaced (one level deep). Values from the
 * resource are plain JSON objects even where client-node types them as model classes.
 */
function overlay<T extends object>(override: T | undefined, defaults: T): T {
  return Object.assign({}, defaults, override);
}

function fieldEnv(name: string, fieldPath: string): V1EnvVar {
  return { name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } };
}

function secretVolume(name: string, secretName: string, items: [string, string][]): V1Volume {
  return { name, secret: { secretName, items: items.map(([key, path]) => ({ key, path })) } };
}

function probe(path: string, periodSeconds: number, failureThreshold: number): V1Probe {
  return {
    httpGet: { path, port: 'metrics', scheme: 'HTTP' },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
    successThreshold: 1,
  };
}

function volumesAndMounts(
  gw: PulsarWebSocketGatewayDefaulted,
  tlsSecretName: string | undefined,
): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const { spec } = gw;
  const names = childNames(gw.metadata.name ?? '');
  const volumes: V1Volume[] = [
    {
      name: 'config',
      configMap: {
        name: names.configMap,
        items: [{ key: GATEWAY_CONFIG_KEY, path: GATEWAY_CONFIG_KEY }],
      },
    },
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
  ];
  // subPath is safe for the config: a config change rolls the pods through the hash
  // annotation, so the file never needs to change in a running pod.
  const mounts: V1VolumeMount[] = [
    {
      name: 'config',
      mountPath: GATEWAY_PATHS.configFile,
      subPath: GATEWAY_CONFIG_KEY,
      readOnly: true,
    },
    { name: 'tmp', mountPath: GATEWAY_PATHS.tmpDir },
  ];
  if (tlsSecretName !== undefined) {
    // A directory mount (never subPath): the kubelet swaps the files in place on rotation and
    // the gateway reloads them without a restart.
    volumes.push(
      secretVolume('tls', tlsSecretName, [
        ['tls.crt', 'tls.crt'],
        ['tls.key', 'tls.key'],
      ]),
    );
    mounts.push({ name: 'tls', mountPath: GATEWAY_PATHS.tlsDir, readOnly: true });
  }
  const ca = spec.pulsar.tls.trustedCaSecret;
  if (ca !== undefined) {
    volumes.push(secretVolume('pulsar-ca', ca.name, [[ca.key, 'ca.crt']]));
    mounts.push({ name: 'pulsar-ca', mountPath: GATEWAY_PATHS.pulsarCaDir, readOnly: true });
  }
  const token = spec.pulsar.authentication?.token.secretKeyRef;
  if (token !== undefined) {
    volumes.push(secretVolume('pulsar-token', token.name, [[token.key, 'token']]));
    mounts.push({ name: 'pulsar-token', mountPath: GATEWAY_PATHS.pulsarTokenDir, readOnly: true });
  }
  const jwtKey = spec.auth.jwt?.keySecretRef;
  if (spec.auth.mode === 'jwt' && jwtKey !== undefined) {
    volumes.push(secretVolume('jwt-key', jwtKey.name, [[jwtKey.key, 'key']]));
    mounts.push({ name: 'jwt-key', mountPath: GATEWAY_PATHS.jwtKeyDir, readOnly: true });
  }
  return { volumes, mounts };
}

function container(gw: PulsarWebSocketGatewayDefaulted, inputs: DeploymentInputs): V1Container {
  const { spec } = gw;
  const tpl = spec.template?.container;
  const reserved: readonly string[] = RESERVED_ENV;
  const userEnv = (tpl?.env ?? []).filter((e) => !reserved.includes(e.name));
  const securityContext: V1SecurityContext = overlay<V1SecurityContext>(tpl?.securityContext, {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const ports: V1ContainerPort[] = [
    { name: 'ws', containerPort: GATEWAY_PORTS.ws, protocol: 'TCP' },
  ];
  if (inputs.tlsSecretName !== undefined) {
    ports.push({ name: 'wss', containerPort: GATEWAY_PORTS.wss, protocol: 'TCP' });
  }
  // The management port always exists: the probes use it even when /metrics is disabled.
  ports.push({ name: 'metrics', containerPort: spec.metrics.port, protocol: 'TCP' });
  return {
    name: 'gateway',
    image: inputs.image,
    imagePullPolicy: spec.imagePullPolicy,
    command: ['pulsar-ws-gateway'],
    args: ['--config', GATEWAY_PATHS.configFile],
    ports,
    env: [
      fieldEnv('POD_NAME', 'metadata.name'),
      fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
      fieldEnv('POD_IP', 'status.podIP'),
      ...userEnv,
    ],
    resources: tpl?.resources ?? DEFAULT_RESOURCES,
    // Startup allows 60 s to reach the broker; readiness drops fast (drain on SIGTERM flips
    // /readyz first, so endpoints stop routing before sessions close).
    startupProbe: probe('/healthz', 2, 30),
    readinessProbe: probe('/readyz', 5, 2),
    livenessProbe: probe('/healthz', 10, 3),
    securityContext,
    volumeMounts: volumesAndMounts(gw, inputs.tlsSecretName).mounts,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/**
 * The gateway Deployment `<name>-gateway`.
 *
 * - Pods meet Pod Security "restricted" (non-root numeric uid, read-only root filesystem,
 *   no privilege escalation, all capabilities dropped, seccomp RuntimeDefault); the template's
 *   security contexts are merged over these defaults field by field.
 * - `replicas` is omitted while autoscaling is on, so the HorizontalPodAutoscaler owns it
 *   under server-side apply.
 * - The pod template carries `pulsarws.io/config-hash`; rolling updates keep every old pod
 *   until its replacement is ready (maxUnavailable 0).
 * - Shutdown is a graceful drain driven by SIGTERM (no preStop hook); the grace period is the
 *   drain time plus a margin unless the template sets it.
 */
export function buildDeployment(
  gw: PulsarWebSocketGatewayDefaulted,
  inputs: DeploymentInputs,
): V1Deployment {
  const { spec } = gw;
  const names = childNames(gw.metadata.name ?? '');
  const pod = spec.template?.pod;
  const selector = selectorLabels(gw.metadata);
  const podSecurityContext = overlay<V1PodSecurityContext>(pod?.securityContext, {
    runAsNonRoot: true,
    runAsUser: NON_ROOT_ID,
    runAsGroup: NON_ROOT_ID,
    fsGroup: NON_ROOT_ID,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  const topologySpreadConstraints = pod?.topologySpreadConstraints?.map((c) =>
    overlay<V1TopologySpreadConstraint>(c, {
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      whenUnsatisfiable: c.whenUnsatisfiable,
      labelSelector: { matchLabels: selector },
    }),
  );
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMetadata(gw, names.deployment),
    spec: {
      ...(spec.autoscaling.enabled ? {} : { replicas: spec.replicas }),
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      revisionHistoryLimit: 5,
      template: {
        metadata: {
          labels: { ...pod?.metadata?.labels, ...gatewayLabels(gw.metadata) },
          annotations: {
            ...pod?.metadata?.annotations,
            [ANNOTATION_KEYS.configHash]: inputs.configHash,
          },
        },
        spec: {
          containers: [container(gw, inputs)],
          volumes: volumesAndMounts(gw, inputs.tlsSecretName).volumes,
          securityContext: podSecurityContext,
          // The gateway never calls the Kubernetes API.
          automountServiceAccountToken: false,
          // Many Services in a namespace would otherwise inflate every pod's environment.
          enableServiceLinks: false,
          terminationGracePeriodSeconds:
            pod?.terminationGracePeriodSeconds ??
            spec.websocket.drainTimeoutSeconds + GRACE_MARGIN_SECONDS,
          ...(pod?.nodeSelector !== undefined ? { nodeSelector: pod.nodeSelector } : {}),
          ...(pod?.tolerations !== undefined ? { tolerations: pod.tolerations } : {}),
          ...(pod?.affinity !== undefined ? { affinity: pod.affinity } : {}),
          ...(topologySpreadConstraints !== undefined ? { topologySpreadConstraints } : {}),
          ...(pod?.priorityClassName !== undefined
            ? { priorityClassName: pod.priorityClassName }
            : {}),
          ...(pod?.imagePullSecrets !== undefined
            ? { imagePullSecrets: pod.imagePullSecrets }
            : {}),
        },
      },
    },
  };
}
