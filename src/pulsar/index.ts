/**
 * Public surface of the pure-TypeScript Pulsar client. Code outside src/pulsar imports only from
 * here (eslint enforces it); the layers below (protocol, connection, lookup) stay internal so they
 * can change without touching the gateway.
 */

export { PulsarClient, type PulsarClientOptions, type TopicConnection } from './client.ts';
export { PULSAR_ERROR_CODES, PulsarError, isPulsarError, type PulsarErrorCode } from './errors.ts';
export {
  BasicAuth,
  TokenAuth,
  noAuth,
  tlsAuth,
  type AuthChallenge,
  type AuthProvider,
  type TokenSupplier,
} from './connection/auth.ts';
export type { TlsOptions } from './connection/connection.ts';
export type { ForwardedIdentity } from './protocol/commands.ts';
export type { LookupCallOptions, LookupResult } from './lookup/lookup-service.ts';
export { TopicListMode, type TopicListModeValue } from './protocol/constants.ts';
export {
  EARLIEST_MESSAGE_ID,
  LATEST_MESSAGE_ID,
  compareMessageIds,
  decodeMessageIdBase64,
  decodeStrictBase64,
  encodeMessageIdBase64,
  isBatchMessageId,
  messageId,
  messageIdEquals,
  messageIdToString,
  type MessageId,
} from './protocol/message-id.ts';
export {
  createPulsarMetrics,
  noopPulsarMetrics,
  type AttemptResult,
  type PulsarMetrics,
  type ReconnectKind,
} from './metrics.ts';
export { TopicName, TOPIC_DOMAIN, type TopicDomain } from './topic-name.ts';
export { COMPRESSION_TYPE, type CompressionType } from './compression/compression-codec.ts';
export {
  HASHING_SCHEME,
  MESSAGE_ROUTING_MODE,
  type HashingScheme,
  type MessageRoutingMode,
} from './routing/message-router.ts';
export { Producer, type ProducerOptions } from './producer/producer.ts';
export type { ProducerMessage } from './producer/producer-message.ts';
export {
  PartitionProducerState,
  type PartitionProducerStateValue,
} from './producer/partition-producer.ts';
export type { ProducerClient } from './producer/producer-connection.ts';
export { Consumer, type SingleTopicConsumerOptions } from './consumer/consumer.ts';
export {
  MultiTopicConsumer,
  type MultiTopicConsumerOptions,
} from './consumer/multi-topic-consumer.ts';
export {
  PartitionConsumer,
  ConsumerState,
  type ConsumerStateValue,
  type PartitionConsumerOptions,
} from './consumer/partition-consumer.ts';
export type {
  ConsumerConnectionProvider,
  ConsumerMessage,
  ConsumerOptions,
  DeadLetterMessage,
  DeadLetterPolicy,
  DeadLetterProducer,
  DeadLetterProducerFactory,
  FlowMode,
  InitialPosition,
  MessageConsumer,
  SubscriptionType,
} from './consumer/consumer-types.ts';
export { deadLetterProducerFactory } from './consumer/dead-letter-producer.ts';
export { Reader, type ReaderOptions } from './reader/reader.ts';
