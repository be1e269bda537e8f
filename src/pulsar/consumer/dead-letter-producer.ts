import type { Registry } from 'prom-client';
import type { ForwardedIdentity } from '../protocol/commands.ts';
import type { ProducerClient } from '../producer/producer-connection.ts';
import { Producer } from '../producer/producer.ts';
import type { DeadLetterProducerFactory } from './consumer-types.ts';

/**
 * The dead-letter producer factory backed by our own {@link Producer} (non-batched, like the
 * producer Java's consumer creates lazily for its DLQ topic). Pass it as
 * `deadLetterPolicy.producerFactory`; `PulsarClient` is a {@link ProducerClient}. Pass the
 * consumer's `identity` so the DLQ producer forwards it too.
 */
export function deadLetterProducerFactory(
  client: ProducerClient,
  options: { registry?: Registry; identity?: ForwardedIdentity } = {},
): DeadLetterProducerFactory {
  return (topic) =>
    Producer.create(client, {
      topic,
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      ...(options.identity === undefined ? {} : { identity: options.identity }),
    });
}
