import { dump } from 'js-yaml';
import type { PulsarWebSocketGatewayDefaulted } from '../api/v1alpha1/types.ts';

/**
 * THE contract between the operator and the gateway (docs/gateway-configuration.md).
 * The operator renders {@link GatewayConfig} into the ConfigMap key `gateway.yaml`; the pod
 * runs `pulsar-ws-gateway --config /etc/pulsar-ws-gateway/gateway.yaml`. Secrets never appear
 * in the file: it names the files where their keys are mounted.
 */
export const GATEWAY_PATHS = {
  /** The rendered config (a `subPath` mount of the ConfigMap key {@link GATEWAY_CONFIG_KEY}). */
  configFile: '/etc/pulsar-ws-gateway/gateway.yaml',
  /** Directory of the client-facing TLS Secret; a directory mount, so rotations reach the pod. */
  tlsDir: '/etc/pulsar-ws-gateway/tls',
  tlsCertFile: '/etc/pulsar-ws-gateway/tls/tls.crt',
  tlsKeyFile: '/etc/pulsar-ws-gateway/tls/tls.key',
  pulsarCaDir: '/etc/pulsar-ws-gateway/pulsar-ca',
  pulsarCaFile: '/etc/pulsar-ws-gateway/pulsar-ca/ca.crt',
  pulsarTokenDir: '/etc/pulsar-ws-gateway/pulsar-token',
  pulsarTokenFile: '/etc/pulsar-ws-gateway/pulsar-token/token',
  jwtKeyDir: '/etc/pulsar-ws-gateway/jwt',
  jwtKeyFile: '/etc/pulsar-ws-gateway/jwt/key',
  /** Writable scratch space; the root filesystem is read-only. */
  tmpDir: '/tmp',
} as const;

/** ConfigMap key holding the rendered config. */
export const GATEWAY_CONFIG_KEY = 'gateway.yaml';

/** Container ports of the gateway (fixed; the Service maps its own ports onto them). */
export const GATEWAY_PORTS = { ws: 8080, wss: 8443 } as const;

/** Version of the config file format; the gateway rejects versions it does not know. */
export const GATEWAY_CONFIG_VERSION = 1;

/** The gateway's configuration file (`gateway.yaml`). Field by field in docs/gateway-configuration.md. */
export interface GatewayConfig {
  version: typeof GATEWAY_CONFIG_VERSION;
  server: {
    bindAddress: string;
    /** Plain WebSocket port. */
    port: number;
    /** TLS WebSocket port; present only when `tls` is. */
    tlsPort?: number;
  };
  /** Client-facing TLS; absent means no wss:// listener. Files are watched and hot-reloaded. */
  tls?: { certFile: string; keyFile: string };
  pulsar: {
    serviceUrl: string;
    tls: {
      /** PEM CA bundle; absent: the system trust store. */
      trustCertsFile?: string;
      hostnameVerification: boolean;
      allowInsecureConnection: boolean;
    };
    /** The gateway's own token (proxy role); absent: no credentials of its own. */
    authentication?: { tokenFile: string };
  };
  auth: {
    mode: 'none' | 'jwt' | 'passthrough';
    jwt?: { keyFile: string; algorithm?: string; issuer?: string; audience?: string };
    identityForwarding: 'clientToken' | 'originalPrincipal';
  };
  websocket: {
    maxConnections: number;
    maxFrameSizeBytes: number;
    idleTimeoutSeconds: number;
    pingIntervalSeconds: number;
    /** Empty: any origin. */
    allowedOrigins: string[];
    producerDefaults: Record<string, string | number | boolean>;
    consumerDefaults: Record<string, string | number | boolean>;
    /**
     * Seconds a client may stay above the gateway's per-session buffer before it is closed
     * (1013); absent: the gateway's default (30).
     */
    slowClientTimeoutSeconds?: number;
  };
  metrics: {
    /** Management port: /healthz and /readyz always, /metrics when `enabled`. */
    port: number;
    enabled: boolean;
  };
  shutdown: {
    /** Seconds to let in-flight publishes finish after SIGTERM before closing sessions with 1001. */
    drainTimeoutSeconds: number;
  };
}

function compact(obj: object | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(obj ?? {})) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/**
 * The gateway configuration for `gw`. `tlsEnabled` is whether a TLS Secret is mounted (the
 * reconciler knows whether it exists yet; see `DesiredStateContext.tlsSecretName`).
 */
export function buildGatewayConfig(
  gw: PulsarWebSocketGatewayDefaulted,
  tlsEnabled: boolean,
): GatewayConfig {
  const { spec } = gw;
  const { jwt } = spec.auth;
  return {
    version: GATEWAY_CONFIG_VERSION,
    server: {
      bindAddress: '0.0.0.0',
      port: GATEWAY_PORTS.ws,
      ...(tlsEnabled ? { tlsPort: GATEWAY_PORTS.wss } : {}),
    },
    ...(tlsEnabled
      ? { tls: { certFile: GATEWAY_PATHS.tlsCertFile, keyFile: GATEWAY_PATHS.tlsKeyFile } }
      : {}),
    pulsar: {
      serviceUrl: spec.pulsar.serviceUrl,
      tls: {
        ...(spec.pulsar.tls.trustedCaSecret !== undefined
          ? { trustCertsFile: GATEWAY_PATHS.pulsarCaFile }
          : {}),
        hostnameVerification: spec.pulsar.tls.hostnameVerification,
        allowInsecureConnection: spec.pulsar.tls.allowInsecure,
      },
      ...(spec.pulsar.authentication !== undefined
        ? { authentication: { tokenFile: GATEWAY_PATHS.pulsarTokenFile } }
        : {}),
    },
    auth: {
      mode: spec.auth.mode,
      ...(spec.auth.mode === 'jwt' && jwt !== undefined
        ? {
            jwt: {
              keyFile: GATEWAY_PATHS.jwtKeyFile,
              ...(jwt.algorithm !== undefined ? { algorithm: jwt.algorithm } : {}),
              ...(jwt.issuer !== undefined ? { issuer: jwt.issuer } : {}),
              ...(jwt.audience !== undefined ? { audience: jwt.audience } : {}),
            },
          }
        : {}),
      identityForwarding: spec.auth.identityForwarding.mode,
    },
    websocket: {
      maxConnections: spec.websocket.maxConnections,
      maxFrameSizeBytes: spec.websocket.maxFrameSizeBytes,
      idleTimeoutSeconds: spec.websocket.idleTimeoutSeconds,
      pingIntervalSeconds: spec.websocket.pingIntervalSeconds,
      allowedOrigins: [...(spec.websocket.allowedOrigins ?? [])],
      producerDefaults: compact(spec.websocket.producerDefaults),
      consumerDefaults: compact(spec.websocket.consumerDefaults),
      // Rendered only when set (the CRD has no default for it): a new key in every rendered
      // gateway.yaml would change every config hash and roll every fleet on operator upgrade.
      ...(spec.websocket.slowClientTimeoutSeconds !== undefined
        ? { slowClientTimeoutSeconds: spec.websocket.slowClientTimeoutSeconds }
        : {}),
    },
    metrics: { port: spec.metrics.port, enabled: spec.metrics.enabled },
    shutdown: { drainTimeoutSeconds: spec.websocket.drainTimeoutSeconds },
  };
}

/**
 * `gateway.yaml` text for `config`. Deterministic (key order is construction order, no line
 * folding), because its hash decides whether pods roll.
 */
export function renderGatewayConfig(config: GatewayConfig): string {
  return `# Rendered by pulsar-websocket-operator; edits are overwritten. See docs/gateway-configuration.md.\n${dump(config, { lineWidth: -1, noRefs: true })}`;
}
