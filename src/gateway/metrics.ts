import { Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';
import { AUTH_FAILURE_REASONS } from './auth/jwt-verifier.ts';

/** The session kinds used as the `endpoint` label (a bounded set). */
export const ENDPOINTS = ['producer', 'consumer', 'reader', 'multi-consumer'] as const;
/** One of {@link ENDPOINTS}. */
export type Endpoint = (typeof ENDPOINTS)[number];

/** Reasons for `pulsar_ws_gateway_auth_failures_total`: the verifier's, plus gateway-side ones. */
export const GATEWAY_AUTH_FAILURE_REASONS = [...AUTH_FAILURE_REASONS, 'broker', 'error'] as const;

/** The gateway's Prometheus metrics (issue 4, "Operations"); every label comes from a bounded set. */
export interface GatewayMetrics {
  connections: Gauge<'endpoint'>;
  connectionsOpened: Counter<'endpoint'>;
  connectionsClosed: Counter<'endpoint' | 'code'>;
  upgradeFailures: Counter<'status'>;
  authFailures: Counter<'reason'>;
  messagesReceived: Counter<'endpoint'>;
  messagesSent: Counter<'endpoint'>;
  bytesReceived: Counter;
  bytesSent: Counter;
  publishLatency: Histogram;
  ackLatency: Histogram;
  pendingSends: Gauge;
  outstandingPermits: Gauge;
  slowClientDisconnects: Counter;
}

/** Latency buckets in seconds, 0.5 ms .. 10 s. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/**
 * Registers the gateway metrics (and Node's default metrics, unless `defaults` is false) on the
 * injected registry, never the global one (style.md §7). Close codes are bounded by the codes
 * the gateway and RFC 6455 define; an unexpected one is recorded as `other`.
 */
export function createGatewayMetrics(registry: Registry, defaults = true): GatewayMetrics {
  const registers = [registry];
  if (defaults) collectDefaultMetrics({ register: registry });
  const p = 'pulsar_ws_gateway_';
  return {
    connections: new Gauge({
      name: p + 'connections',
      help: 'Open WebSocket sessions by endpoint.',
      labelNames: ['endpoint'],
      registers,
    }),
    connectionsOpened: new Counter({
      name: p + 'connections_opened_total',
      help: 'WebSocket sessions opened by endpoint.',
      labelNames: ['endpoint'],
      registers,
    }),
    connectionsClosed: new Counter({
      name: p + 'connections_closed_total',
      help: 'WebSocket sessions closed by endpoint and close code.',
      labelNames: ['endpoint', 'code'],
      registers,
    }),
    upgradeFailures: new Counter({
      name: p + 'upgrade_failures_total',
      help: 'Refused WebSocket upgrades by HTTP status.',
      labelNames: ['status'],
      registers,
    }),
    authFailures: new Counter({
      name: p + 'auth_failures_total',
      help: 'Authentication failures by reason.',
      labelNames: ['reason'],
      registers,
    }),
    messagesReceived: new Counter({
      name: p + 'messages_received_total',
      help: 'Text messages received from clients by endpoint.',
      labelNames: ['endpoint'],
      registers,
    }),
    messagesSent: new Counter({
      name: p + 'messages_sent_total',
      help: 'Text messages sent to clients by endpoint.',
      labelNames: ['endpoint'],
      registers,
    }),
    bytesReceived: new Counter({
      name: p + 'bytes_received_total',
      help: 'Bytes of text messages received from clients.',
      registers,
    }),
    bytesSent: new Counter({
      name: p + 'bytes_sent_total',
      help: 'Bytes of text messages sent to clients.',
      registers,
    }),
    publishLatency: new Histogram({
      name: p + 'publish_latency_seconds',
      help: 'Time from a publish frame to its broker receipt.',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    ackLatency: new Histogram({
      name: p + 'ack_latency_seconds',
      help: 'Time from pushing a message to the client until the client acknowledged it.',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    pendingSends: new Gauge({
      name: p + 'pending_sends',
      help: 'Publishes sent to the broker and not yet answered.',
      registers,
    }),
    outstandingPermits: new Gauge({
      name: p + 'outstanding_permits',
      help: 'Pull-mode permits granted by clients and not yet used.',
      registers,
    }),
    slowClientDisconnects: new Counter({
      name: p + 'slow_client_disconnects_total',
      help: 'Sessions closed because the client did not read fast enough.',
      registers,
    }),
  };
}

const KNOWN_CLOSE_CODES = new Set([1000, 1001, 1002, 1005, 1006, 1007, 1008, 1009, 1011, 1013]);

/**
 * The `code` label: the code the gateway sent when it closed first, else the client's (1005 = no
 * code, 1006 = no close frame). Known codes by number, anything else `other` (bounded).
 */
export function closeCodeLabel(code: number): string {
  return KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other';
}
