import { ConsumerSession } from './consumer-session.ts';

/**
 * The v3 multi-topic consumer session (pulsar-websocket-api.md §6): the same commands, pushed
 * JSON and flow control as a single-topic consumer (§5); only the broker-side object differs (a
 * `MultiTopicConsumer`). Pushed messages do not name their topic, as in the reference. Acks
 * resolve through the session's id cache, so ids from any of the topics ack correctly; a
 * cache-miss ack decodes the bytes, which our client routes by partition and ledger.
 */
export class MultiConsumerSession extends ConsumerSession {}
