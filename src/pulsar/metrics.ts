import type { Registry } from 'prom-client';
import { metricsOn } from '../shared/index.ts';

/** Result label of connection attempts and lookups (bounded). */
export type AttemptResult = 'success' | 'failure';
/** Kind label of reconnects (bounded). */
export type ReconnectKind = 'producer' | 'consumer';

/**
 * Metrics of the Pulsar client. Labels come from small fixed sets only (no topic, connection or
 * message ids: docs/style.md §7.3). Producer/consumer layers call the latency and reconnect hooks.
 */
export interface PulsarMetrics {
  /** A connection finished its handshake (gauge +1). */
  connectionOpened(): void;
  /** A connection that had been opened closed (gauge -1). */
  connectionClosed(): void;
  /** A connection attempt (socket + handshake) ended. */
  connectionAttempt(result: AttemptResult): void;
  /** A topic lookup (with all its redirects) ended. */
  lookup(result: AttemptResult): void;
  /** A producer or consumer started reconnecting. */
  reconnect(kind: ReconnectKind): void;
  /** Seconds from SEND to SEND_RECEIPT. */
  observeProduceLatency(seconds: number): void;
  /** Seconds from ACK sent to ACK_RESPONSE (or to the ack being flushed). */
  observeAckLatency(seconds: number): void;
}

/** Metrics that record nothing, used when no registry is injected. */
export const noopPulsarMetrics: PulsarMetrics = Object.freeze({
  connectionOpened() {},
  connectionClosed() {},
  connectionAttempt() {},
  lookup() {},
  reconnect() {},
  observeProduceLatency() {},
  observeAckLatency() {},
});

const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/**
 * The client's metrics on `registry` (never the global registry), registered on first use and
 * shared by every client using that registry; returns the recording hooks. Without a registry,
 * returns {@link noopPulsarMetrics}. Known label values are pre-created at zero.
 */
export function createPulsarMetrics(registry?: Registry): PulsarMetrics {
  if (registry === undefined) return noopPulsarMetrics;
  const connections = metricsOn.gauge(registry, {
    name: 'pulsar_client_connections',
    help: 'Open connections to Pulsar brokers (handshake completed).',
  });
  const attempts = metricsOn.counter(registry, {
    name: 'pulsar_client_connection_attempts_total',
    help: 'Connection attempts to Pulsar brokers, by result.',
    labelNames: ['result'] as const,
  });
  const lookups = metricsOn.counter(registry, {
    name: 'pulsar_client_lookups_total',
    help: 'Topic lookups (including redirects), by result.',
    labelNames: ['result'] as const,
  });
  const reconnects = metricsOn.counter(registry, {
    name: 'pulsar_client_reconnects_total',
    help: 'Producer and consumer reconnections, by kind.',
    labelNames: ['kind'] as const,
  });
  const produceLatency = metricsOn.histogram(registry, {
    name: 'pulsar_client_produce_latency_seconds',
    help: 'Time from sending a message to receiving its receipt.',
    buckets: LATENCY_BUCKETS,
  });
  const ackLatency = metricsOn.histogram(registry, {
    name: 'pulsar_client_ack_latency_seconds',
    help: 'Time from acknowledging a message to the broker confirming it.',
    buckets: LATENCY_BUCKETS,
  });
  for (const result of ['success', 'failure'] as const) {
    attempts.inc({ result }, 0);
    lookups.inc({ result }, 0);
  }
  for (const kind of ['producer', 'consumer'] as const) reconnects.inc({ kind }, 0);
  return {
    connectionOpened: () => {
      connections.inc();
    },
    connectionClosed: () => {
      connections.dec();
    },
    connectionAttempt: (result) => {
      attempts.inc({ result });
    },
    lookup: (result) => {
      lookups.inc({ result });
    },
    reconnect: (kind) => {
      reconnects.inc({ kind });
    },
    observeProduceLatency: (seconds) => {
      produceLatency.observe(seconds);
    },
    observeAckLatency: (seconds) => {
      ackLatency.observe(seconds);
    },
  };
}
