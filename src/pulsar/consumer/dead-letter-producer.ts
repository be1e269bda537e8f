import type { Registry } from 'prom-client';
import type { ProducerClient } from '../producer/producer-connection.ts';
import { Producer } from '../producer/producer.ts';
import type { DeadLetterProducerFactory } from './consumer-types.ts';

/**
 * The dead-letter producer factory backed by our own {@link Producer} (non-batched, like the
 * producer Java's consumer creates lazily for its DLQ topic). Pass it as
 * `deadLetterPolicy.producerFactory`; `PulsarClient` is a {@link ProducerClient}.
 */
export function deadLetterProducerFactory(
  client: ProducerClient,
  options: { registry?: Registry } = {},
): DeadLetterProducerFactory {
  return (topic) =>
    Producer.create(client, {
      topic,
      ...(options.registry === undefined ? {} : { registry: options.registry }),
    });
}
