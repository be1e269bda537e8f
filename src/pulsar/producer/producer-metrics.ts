import type { Registry } from 'prom-client';
import { metricsOn } from '../../shared/index.ts';
import { PULSAR_ERROR_CODES, type PulsarErrorCode } from '../errors.ts';

/**
 * Producer-side metrics beyond the client's produce-latency histogram: messages waiting for a
 * receipt, and failed sends by error code. Labels come from the fixed set of PulsarError codes
 * (bounded, docs/style.md §7.3); no topic or producer label.
 */
export interface ProducerMetrics {
  /** `count` messages entered (positive) or left (negative) the pending state. */
  pendingChanged(count: number): void;
  /** A send failed with `code`. */
  sendFailed(code: PulsarErrorCode): void;
}

/** Records nothing; used when no registry is injected. */
export const noopProducerMetrics: ProducerMetrics = Object.freeze({
  pendingChanged() {},
  sendFailed() {},
});

/**
 * The producer metrics registered on `registry` (never the global one). Every producer sharing a
 * registry shares the same instruments, so registering twice is impossible. All error codes are
 * pre-created at zero.
 */
export function producerMetricsFor(registry: Registry | undefined): ProducerMetrics {
  if (registry === undefined) return noopProducerMetrics;
  const pending = metricsOn.gauge(registry, {
    name: 'pulsar_client_producer_pending_messages',
    help: 'Messages sent by producers and not yet acknowledged by the broker (or failed).',
  });
  const errors = metricsOn.counter(registry, {
    name: 'pulsar_client_producer_send_errors_total',
    help: 'Messages whose send failed, by error code.',
    labelNames: ['code'] as const,
  });
  for (const code of Object.keys(PULSAR_ERROR_CODES)) errors.inc({ code }, 0);
  return {
    pendingChanged: (count) => {
      pending.inc(count);
    },
    sendFailed: (code) => {
      errors.inc({ code });
    },
  };
}
