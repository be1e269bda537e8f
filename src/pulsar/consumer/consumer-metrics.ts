import type { Registry } from 'prom-client';
import { metricsOn } from '../../shared/index.ts';

/** Why messages were redelivered (bounded label). */
export type RedeliveryReason = 'negative_ack' | 'ack_timeout';

/**
 * Consumer metrics (docs/style.md §7.3: bounded labels, injected registry). Ack latency is the
 * client-wide `pulsar_client_ack_latency_seconds` of `PulsarMetrics`.
 */
export interface ConsumerMetrics {
  /** Change of FLOW permits granted to brokers and not yet used (gauge). */
  outstandingPermits(delta: number): void;
  /** Messages (entries) asked to be redelivered. */
  redelivered(reason: RedeliveryReason, count: number): void;
  /** A message published to a dead-letter topic (or failed to be). */
  deadLettered(result: 'success' | 'failure'): void;
}

/** Records nothing. */
export const noopConsumerMetrics: ConsumerMetrics = Object.freeze({
  outstandingPermits() {},
  redelivered() {},
  deadLettered() {},
});

/**
 * The consumer metrics registered on `registry`, created on first use and shared by every consumer
 * using that registry (prom-client refuses to register a name twice).
 */
export function consumerMetricsFor(registry?: Registry): ConsumerMetrics {
  if (registry === undefined) return noopConsumerMetrics;
  const permits = metricsOn.gauge(registry, {
    name: 'pulsar_client_consumer_outstanding_permits',
    help: 'FLOW permits granted to brokers and not yet used by them.',
  });
  const redeliveries = metricsOn.counter(registry, {
    name: 'pulsar_client_consumer_redeliveries_total',
    help: 'Entries the consumer asked the broker to redeliver, by reason.',
    labelNames: ['reason'] as const,
  });
  const dlq = metricsOn.counter(registry, {
    name: 'pulsar_client_consumer_dead_letter_messages_total',
    help: 'Messages published to a dead-letter topic, by result.',
    labelNames: ['result'] as const,
  });
  for (const reason of ['negative_ack', 'ack_timeout'] as const) redeliveries.inc({ reason }, 0);
  for (const result of ['success', 'failure'] as const) dlq.inc({ result }, 0);
  return {
    outstandingPermits: (delta) => {
      permits.inc(delta);
    },
    redelivered: (reason, count) => {
      redeliveries.inc({ reason }, count);
    },
    deadLettered: (result) => {
      dlq.inc({ result });
    },
  };
}
