import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createPulsarMetrics, noopPulsarMetrics } from '../../../src/pulsar/metrics.ts';
import {
  consumerMetricsFor,
  noopConsumerMetrics,
} from '../../../src/pulsar/consumer/consumer-metrics.ts';
import {
  noopProducerMetrics,
  producerMetricsFor,
} from '../../../src/pulsar/producer/producer-metrics.ts';

async function sample(registry: Registry, line: string): Promise<boolean> {
  return (await registry.metrics()).split('\n').includes(line);
}

describe('pulsar metrics on a shared registry', () => {
  it('records nothing without a registry', () => {
    assert.equal(createPulsarMetrics(undefined), noopPulsarMetrics);
    assert.equal(consumerMetricsFor(undefined), noopConsumerMetrics);
    assert.equal(producerMetricsFor(undefined), noopProducerMetrics);
  });

  it('lets two clients share one registry and sums what they record', async () => {
    const registry = new Registry();
    const a = createPulsarMetrics(registry);
    const b = createPulsarMetrics(registry);
    a.connectionOpened();
    b.connectionOpened();
    a.lookup('failure');
    b.lookup('failure');
    assert.ok(await sample(registry, 'pulsar_client_connections 2'));
    assert.ok(await sample(registry, 'pulsar_client_lookups_total{result="failure"} 2'));
    // Pre-created label values stay at zero, and are not reset by the second client.
    assert.ok(await sample(registry, 'pulsar_client_lookups_total{result="success"} 0'));
  });

  it('shares the consumer and producer families between consumers and producers', async () => {
    const registry = new Registry();
    consumerMetricsFor(registry).redelivered('ack_timeout', 3);
    consumerMetricsFor(registry).redelivered('ack_timeout', 1);
    producerMetricsFor(registry).pendingChanged(5);
    producerMetricsFor(registry).pendingChanged(-2);
    producerMetricsFor(registry).sendFailed('PULSAR_ERR_TIMEOUT');
    assert.ok(
      await sample(registry, 'pulsar_client_consumer_redeliveries_total{reason="ack_timeout"} 4'),
    );
    assert.ok(
      await sample(registry, 'pulsar_client_consumer_redeliveries_total{reason="negative_ack"} 0'),
    );
    assert.ok(await sample(registry, 'pulsar_client_producer_pending_messages 3'));
    assert.ok(
      await sample(
        registry,
        'pulsar_client_producer_send_errors_total{code="PULSAR_ERR_TIMEOUT"} 1',
      ),
    );
  });
});
