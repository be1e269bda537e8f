import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { BaseError } from '../shared/index.ts';

/** Stable code of {@link OperatorConfigError}. */
export const OPERATOR_CONFIG_ERROR_CODE = 'OPERATOR_ERR_CONFIG';

/** A bad flag or environment variable; the CLI prints the message and exits with code 2. */
export class OperatorConfigError extends BaseError {
  constructor(message: string) {
    super(OPERATOR_CONFIG_ERROR_CODE, message, { retryable: false });
  }
}

/** Settings of the `pulsar-ws-operator` command. */
export interface OperatorOptions {
  /** Kubeconfig path; undefined: `KUBECONFIG`, then in-cluster, then `~/.kube/config`. */
  kubeconfig: string | undefined;
  /** Watched namespaces; empty: all namespaces. */
  namespaces: string[];
  metricsPort: number;
  healthPort: number;
  /** Address the metrics and health servers listen on; undefined: all addresses. */
  bindAddress: string | undefined;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  gatewayImage: string;
  logLevel: string;
  /** Periodic resync of the gateway informer (every gateway re-enqueued), in ms (default 600 000; 0 disables). */
  resyncPeriodMs: number;
  /** Gateways reconciled in parallel (default 16; reconciles mostly wait on the API server). */
  maxConcurrentReconciles: number;
}

/** Where the service account's namespace is mounted in a pod. */
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The operator's package version (package.json two levels up, from src/ and from dist/). */
export function operatorVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** The gateway image of this operator version (`--gateway-image` default). */
export function defaultGatewayImage(version: string = operatorVersion()): string {
  return `ghcr.io/pulsar-websocket-operator/pulsar-websocket-operator:${version}`;
}

/** `--help` text. */
export function usage(): string {
  return `Usage: pulsar-ws-operator [flags]

Runs the PulsarWebSocketGateway operator (pulsarws.io/v1alpha1).

Flags (environment variable in brackets):
  --kubeconfig <path>        kubeconfig to use [KUBECONFIG]; default: in-cluster, then ~/.kube/config
  --namespaces <a,b,...>     namespaces to watch; default: all namespaces [WATCH_NAMESPACES]
  --metrics-port <port>      port of /metrics (default 8080) [METRICS_PORT]
  --health-port <port>       port of /healthz and /readyz (default 8081) [HEALTH_PORT]
  --bind-address <ip>        IP address the metrics and health servers listen on
                             (default: all addresses) [BIND_ADDRESS]
  --leader-elect <bool>      elect a leader through a Lease (default true) [LEADER_ELECT]
  --lease-namespace <ns>     namespace of the Lease (default: the pod's namespace, else "default") [POD_NAMESPACE]
  --lease-name <name>        name of the Lease (default pulsar-ws-operator-leader)
  --gateway-image <image>    gateway image when spec.image is unset
                             (default ${defaultGatewayImage()}) [GATEWAY_IMAGE]
  --log-level <level>        pino level (default info) [LOG_LEVEL]
  --resync-period <seconds>  re-enqueue every gateway this often; 0 disables
                             (default 600) [RESYNC_PERIOD]
  --max-concurrent-reconciles <n>
                             gateways reconciled in parallel (default 16) [MAX_CONCURRENT_RECONCILES]
  --help                     print this help
`;
}

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new OperatorConfigError(`${flag} must be a port number (0-65535), got "${value}"`);
  }
  return n;
}

function ipAddress(value: string, flag: string): string {
  // An IP literal only: a host name would resolve at listen time and fail far from the flag.
  if (isIP(value) === 0) {
    throw new OperatorConfigError(`${flag} must be an IPv4 or IPv6 address, got "${value}"`);
  }
  return value;
}

function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 86_400) {
    throw new OperatorConfigError(`${flag} must be a number of seconds (0-86400), got "${value}"`);
  }
  return Math.round(n * 1000);
}

function count(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new OperatorConfigError(`${flag} must be an integer from 1 to 256, got "${value}"`);
  }
  return n;
}

function bool(value: string, flag: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new OperatorConfigError(`${flag} must be true or false, got "${value}"`);
}

function podNamespace(env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env['POD_NAMESPACE'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

/**
 * Parses flags (which win) and environment variables. Returns `'help'` for `--help`; throws
 * {@link OperatorConfigError} on unknown flags or bad values.
 */
export function parseOperatorOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): OperatorOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: 'string' },
        namespaces: { type: 'string' },
        'metrics-port': { type: 'string' },
        'health-port': { type: 'string' },
        'bind-address': { type: 'string' },
        'leader-elect': { type: 'string' },
        'lease-namespace': { type: 'string' },
        'lease-name': { type: 'string' },
        'gateway-image': { type: 'string' },
        'log-level': { type: 'string' },
        'resync-period': { type: 'string' },
        'max-concurrent-reconciles': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new OperatorConfigError((err as Error).message);
  }
  if (values.help === true) return 'help';
  const pick = (flag: string | undefined, envKey: string): string | undefined =>
    flag ?? (env[envKey] === '' ? undefined : env[envKey]);
  const namespaces = (pick(values.namespaces, 'WATCH_NAMESPACES') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return {
    kubeconfig: pick(values.kubeconfig, 'KUBECONFIG'),
    namespaces: [...new Set(namespaces)],
    metricsPort: port(pick(values['metrics-port'], 'METRICS_PORT') ?? '8080', '--metrics-port'),
    healthPort: port(pick(values['health-port'], 'HEALTH_PORT') ?? '8081', '--health-port'),
    bindAddress: ((v) => (v === undefined ? undefined : ipAddress(v, '--bind-address')))(
      pick(values['bind-address'], 'BIND_ADDRESS'),
    ),
    leaderElect: bool(pick(values['leader-elect'], 'LEADER_ELECT') ?? 'true', '--leader-elect'),
    leaseNamespace: values['lease-namespace'] ?? podNamespace(env),
    leaseName: values['lease-name'] ?? 'pulsar-ws-operator-leader',
    gatewayImage: pick(values['gateway-image'], 'GATEWAY_IMAGE') ?? defaultGatewayImage(),
    logLevel: pick(values['log-level'], 'LOG_LEVEL') ?? 'info',
    resyncPeriodMs: seconds(
      pick(values['resync-period'], 'RESYNC_PERIOD') ?? '600',
      '--resync-period',
    ),
    maxConcurrentReconciles: count(
      pick(values['max-concurrent-reconciles'], 'MAX_CONCURRENT_RECONCILES') ?? '16',
      '--max-concurrent-reconciles',
    ),
  };
}
