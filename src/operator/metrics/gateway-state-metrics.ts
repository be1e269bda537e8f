import type { Gauge, Registry } from 'prom-client';
import { metricsOn } from '../../shared/index.ts';
import type { PulsarWebSocketGateway } from '../api/v1alpha1/types.ts';
import { childName } from '../resources/names.ts';
import { CONDITION_TYPES } from '../status/conditions.ts';

/**
 * Labels of every gateway-state series. `gateway_namespace` rather than `namespace`: Prometheus
 * sets `namespace` to the operator's own namespace (the scrape target's), and a colliding label
 * would be renamed to `exported_namespace`. `gateway_service` is the gateway's Service, which
 * the Prometheus Operator uses as the `job` of the gateway pods' own series: dashboards and
 * alerts join the two through it.
 */
export type GatewayStateLabel = 'gateway_namespace' | 'gateway' | 'gateway_service';

/** One sample of a gateway-state family. */
export interface GatewayStateSample {
  labels: Record<GatewayStateLabel, string> & { condition?: string; status?: string };
  value: number;
}

/** The samples of every gateway-state family, as {@link gatewayStateSamples} computes them. */
export interface GatewayStateSamples {
  /** Desired gateway pods. */
  replicas: GatewayStateSample[];
  /** Ready gateway pods, from `status.readyReplicas`. */
  readyReplicas: GatewayStateSample[];
  /** 1 for the current status of each known condition type, 0 for the other two statuses. */
  condition: GatewayStateSample[];
  /** `status.certificate.notAfter`, Unix seconds. */
  certificateExpiry: GatewayStateSample[];
  /** When the certificate is (or should have been) renewed, Unix seconds. */
  certificateRenewal: GatewayStateSample[];
}

/** Metric names, for dashboards, alerts and tests. */
export const GATEWAY_STATE_METRICS = {
  replicas: 'pulsar_ws_operator_gateway_replicas',
  readyReplicas: 'pulsar_ws_operator_gateway_ready_replicas',
  condition: 'pulsar_ws_operator_gateway_condition',
  certificateExpiry: 'pulsar_ws_operator_gateway_certificate_expiry_timestamp_seconds',
  certificateRenewal: 'pulsar_ws_operator_gateway_certificate_renewal_timestamp_seconds',
} as const;

const HELP: Record<keyof GatewayStateSamples, string> = {
  replicas:
    'Desired gateway pods of a PulsarWebSocketGateway (spec.replicas; with autoscaling the ' +
    "HPA's current count, within minReplicas..maxReplicas). Exported by the leader only.",
  readyReplicas:
    'Ready gateway pods of a PulsarWebSocketGateway (status.readyReplicas). Exported by the leader only.',
  condition:
    'Status conditions of a PulsarWebSocketGateway: 1 for the current status of the condition, ' +
    '0 for the others. Exported by the leader only.',
  certificateExpiry:
    'Expiry (notAfter) of the gateway server certificate, Unix seconds (status.certificate). ' +
    'Exported by the leader only, when TLS is on.',
  certificateRenewal:
    'When the gateway server certificate is due for renewal, Unix seconds (status.certificate.renewAt, ' +
    'else notAfter minus spec.tls.renewBeforeDays). Exported by the leader only, when TLS is on.',
};

const KNOWN_CONDITIONS: readonly string[] = Object.values(CONDITION_TYPES);
const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
const DAY_SECONDS = 86_400;

/** Unix seconds of an RFC 3339 time, or undefined when absent or unparsable. */
function seconds(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = Date.parse(time);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(n, min), max);
}

/**
 * Desired pods. With autoscaling the HPA owns the Deployment's replicas, which the gateway
 * resource does not carry; the current pod count clamped to the HPA's bounds is the closest
 * reading (and never 0, since minReplicas is at least 1).
 */
function desiredReplicas(gw: PulsarWebSocketGateway): number {
  const { spec } = gw;
  const auto = spec.autoscaling;
  if (auto?.enabled === true) {
    const min = auto.minReplicas ?? 1;
    const max = auto.maxReplicas ?? Number.POSITIVE_INFINITY;
    return clamp(gw.status?.replicas ?? min, min, max);
  }
  return spec.replicas ?? 1;
}

/**
 * The gateway-state samples of `gateways` (kube-state-metrics style: what the resources say,
 * one series per resource and family, nothing remembered between calls). Pure. Gateways
 * without a name are skipped; condition types other than the operator's own are ignored, so
 * the label values stay bounded.
 */
export function gatewayStateSamples(
  gateways: readonly PulsarWebSocketGateway[],
): GatewayStateSamples {
  const out: GatewayStateSamples = {
    replicas: [],
    readyReplicas: [],
    condition: [],
    certificateExpiry: [],
    certificateRenewal: [],
  };
  for (const gw of gateways) {
    const name = gw.metadata.name;
    if (name === undefined || name === '') continue;
    const labels = {
      gateway_namespace: gw.metadata.namespace ?? '',
      gateway: name,
      gateway_service: childName(name, 'gateway'),
    };
    out.replicas.push({ labels, value: desiredReplicas(gw) });
    out.readyReplicas.push({ labels, value: gw.status?.readyReplicas ?? 0 });
    for (const c of gw.status?.conditions ?? []) {
      if (!KNOWN_CONDITIONS.includes(c.type)) continue;
      for (const status of CONDITION_STATUSES) {
        out.condition.push({
          labels: { ...labels, condition: c.type, status },
          value: c.status === status ? 1 : 0,
        });
      }
    }
    const cert = gw.status?.certificate;
    const notAfter = seconds(cert?.notAfter);
    if (notAfter === undefined) continue;
    out.certificateExpiry.push({ labels, value: notAfter });
    const renewBeforeDays = gw.spec.tls?.renewBeforeDays;
    const renewAt =
      seconds(cert?.renewAt) ??
      (renewBeforeDays === undefined ? undefined : notAfter - renewBeforeDays * DAY_SECONDS);
    if (renewAt !== undefined) out.certificateRenewal.push({ labels, value: renewAt });
  }
  return out;
}

/** A source of the gateways to report: the leader's informer cache, empty on a standby. */
export type GatewaySource = () => readonly PulsarWebSocketGateway[];

// Sources per registry: the gauges are get-or-create per registry, so their collect callbacks
// must reach every manager that shares the registry, not only the one that created them.
const sourcesByRegistry = new WeakMap<Registry, Set<GatewaySource>>();

function collectAll(registry: Registry): GatewayStateSamples {
  const gateways: PulsarWebSocketGateway[] = [];
  for (const source of sourcesByRegistry.get(registry) ?? []) gateways.push(...source());
  return gatewayStateSamples(gateways);
}

function fill(gauge: Gauge, samples: readonly GatewayStateSample[]): void {
  // Reset first: a deleted gateway must disappear from the output, not linger at its last value.
  gauge.reset();
  for (const s of samples) gauge.set(s.labels, s.value);
}

/**
 * Registers the gateway-state gauges ({@link GATEWAY_STATE_METRICS}) on `registry` and adds
 * `source` to what they report. The values are computed at scrape time from `source()` (no
 * API calls; cost bounded by the number of gateways). Only the leader has an informer cache:
 * a standby's source returns nothing, so standby replicas export no gateway-state series and
 * queries should aggregate with `max by (gateway_namespace, gateway)`.
 *
 * @returns a function that removes `source` again (the gauges stay registered).
 */
export function registerGatewayStateMetrics(registry: Registry, source: GatewaySource): () => void {
  let sources = sourcesByRegistry.get(registry);
  if (sources === undefined) {
    sources = new Set();
    sourcesByRegistry.set(registry, sources);
  }
  sources.add(source);
  const base: GatewayStateLabel[] = ['gateway_namespace', 'gateway', 'gateway_service'];
  for (const key of Object.keys(GATEWAY_STATE_METRICS) as (keyof GatewayStateSamples)[]) {
    metricsOn.gauge(registry, {
      name: GATEWAY_STATE_METRICS[key],
      help: HELP[key],
      labelNames: key === 'condition' ? [...base, 'condition', 'status'] : base,
      collect(this: Gauge) {
        fill(this, collectAll(registry)[key]);
      },
    });
  }
  const registered = sources;
  return () => {
    registered.delete(source);
  };
}
