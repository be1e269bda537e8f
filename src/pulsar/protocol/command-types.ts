/**
 * Hand-written TypeScript shapes of the protobuf messages in pulsar-api.proto, as protobufjs
 * produces them with `toObject({ longs: BigInt, defaults: false })`: camel-cased names, 64-bit
 * integers as `bigint`, enums as numbers, bytes as `Uint8Array`, and **absent optional fields left
 * out** (proto2 presence matters, docs/pulsar-binary-protocol.md §5.4 item 3). The same shapes are
 * accepted for encoding. Where an absent field has a non-zero protocol default, the JSDoc says so;
 * readers must apply it themselves.
 */
import type {
  AckTypeValue,
  CompressionTypeValue,
  InitialPositionValue,
  KeySharedModeValue,
  LookupTypeValue,
  PartitionedMetadataResultValue,
  ProducerAccessModeValue,
  ServerErrorValue,
  SubTypeValue,
  TopicListModeValue,
  TopicMigratedResourceTypeValue,
  ValidationErrorValue,
} from './constants.ts';

export interface KeyValue {
  key: string;
  value: string;
}

export interface KeyLongValue {
  key: string;
  value: bigint;
}

export interface IntRange {
  start: number;
  end: number;
}

export interface EncryptionKeys {
  key: string;
  value: Uint8Array;
  metadata?: KeyValue[];
}

/** Wire form of a message id (§1.9). */
export interface MessageIdData {
  ledgerId: bigint;
  entryId: bigint;
  /** Absent means -1 (non-partitioned). */
  partition?: number;
  /** Absent means -1 (not batched). */
  batchIndex?: number;
  ackSet?: bigint[];
  batchSize?: number;
  firstChunkMessageId?: MessageIdData;
}

/** Per-entry metadata of SEND/MESSAGE payload frames (§1.7). */
export interface MessageMetadata {
  producerName: string;
  sequenceId: bigint;
  /** Milliseconds since the epoch. */
  publishTime: bigint;
  properties?: KeyValue[];
  replicatedFrom?: string;
  partitionKey?: string;
  replicateTo?: string[];
  /** Absent means NONE. */
  compression?: CompressionTypeValue;
  uncompressedSize?: number;
  /** Presence marks a batch, even with value 1 (§1.7 rule 3). */
  numMessagesInBatch?: number;
  /** Milliseconds since the epoch; absent or 0 means unset. */
  eventTime?: bigint;
  encryptionKeys?: EncryptionKeys[];
  encryptionAlgo?: string;
  encryptionParam?: Uint8Array;
  schemaVersion?: Uint8Array;
  partitionKeyB64Encoded?: boolean;
  orderingKey?: Uint8Array;
  /** Delayed delivery time, milliseconds since the epoch. */
  deliverAtTime?: bigint;
  markerType?: number;
  txnidLeastBits?: bigint;
  txnidMostBits?: bigint;
  highestSequenceId?: bigint;
  nullValue?: boolean;
  uuid?: string;
  numChunksFromMsg?: number;
  totalChunkMsgSize?: number;
  chunkId?: number;
  nullPartitionKey?: boolean;
}

/** Per-message metadata inside a batch (§1.7). */
export interface SingleMessageMetadata {
  properties?: KeyValue[];
  partitionKey?: string;
  payloadSize: number;
  compactedOut?: boolean;
  eventTime?: bigint;
  partitionKeyB64Encoded?: boolean;
  orderingKey?: Uint8Array;
  sequenceId?: bigint;
  nullValue?: boolean;
  nullPartitionKey?: boolean;
}

/** Contents of the optional 0x0e02 block (§1.2). */
export interface BrokerEntryMetadata {
  brokerTimestamp?: bigint;
  index?: bigint;
}

export interface FeatureFlags {
  supportsAuthRefresh?: boolean;
  supportsBrokerEntryMetadata?: boolean;
  supportsPartialProducer?: boolean;
  supportsTopicWatchers?: boolean;
  supportsGetPartitionedMetadataWithoutAutoCreation?: boolean;
}

export interface CommandConnect {
  clientVersion: string;
  authData?: Uint8Array;
  protocolVersion?: number;
  authMethodName?: string;
  proxyToBrokerUrl?: string;
  originalPrincipal?: string;
  originalAuthData?: string;
  originalAuthMethod?: string;
  featureFlags?: FeatureFlags;
}

export interface CommandConnected {
  serverVersion: string;
  protocolVersion?: number;
  /** Bytes; absent means the 5 MiB default. */
  maxMessageSize?: number;
  featureFlags?: FeatureFlags;
}

export interface AuthData {
  authMethodName?: string;
  authData?: Uint8Array;
}

export interface CommandAuthChallenge {
  serverVersion?: string;
  challenge?: AuthData;
  protocolVersion?: number;
}

export interface CommandAuthResponse {
  clientVersion?: string;
  response?: AuthData;
  protocolVersion?: number;
}

// protobufjs turns an empty message into `{}`; a branded empty shape would add nothing.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CommandPing {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CommandPong {}

export interface CommandLookupTopic {
  topic: string;
  requestId: bigint;
  authoritative?: boolean;
  originalPrincipal?: string;
  originalAuthData?: string;
  originalAuthMethod?: string;
  advertisedListenerName?: string;
  properties?: KeyValue[];
}

export interface CommandLookupTopicResponse {
  brokerServiceUrl?: string;
  brokerServiceUrlTls?: string;
  response?: LookupTypeValue;
  requestId: bigint;
  authoritative?: boolean;
  error?: ServerErrorValue;
  message?: string;
  proxyThroughServiceUrl?: boolean;
}

export interface CommandPartitionedTopicMetadata {
  topic: string;
  requestId: bigint;
  originalPrincipal?: string;
  originalAuthData?: string;
  originalAuthMethod?: string;
  metadataAutoCreationEnabled?: boolean;
}

export interface CommandPartitionedTopicMetadataResponse {
  partitions?: number;
  requestId: bigint;
  response?: PartitionedMetadataResultValue;
  error?: ServerErrorValue;
  message?: string;
}

export interface CommandProducer {
  topic: string;
  producerId: bigint;
  requestId: bigint;
  producerName?: string;
  encrypted?: boolean;
  metadata?: KeyValue[];
  epoch?: bigint;
  userProvidedProducerName?: boolean;
  producerAccessMode?: ProducerAccessModeValue;
  topicEpoch?: bigint;
  txnEnabled?: boolean;
  initialSubscriptionName?: string;
}

export interface CommandProducerSuccess {
  requestId: bigint;
  producerName: string;
  /** Absent means -1. */
  lastSequenceId?: bigint;
  schemaVersion?: Uint8Array;
  topicEpoch?: bigint;
  /** Absent means true; false means "wait for a second PRODUCER_SUCCESS" (§1.6). */
  producerReady?: boolean;
}

export interface CommandSend {
  producerId: bigint;
  sequenceId: bigint;
  /** Absent means 1; set it to the batch size. */
  numMessages?: number;
  txnidLeastBits?: bigint;
  txnidMostBits?: bigint;
  highestSequenceId?: bigint;
  isChunk?: boolean;
  marker?: boolean;
  messageId?: MessageIdData;
}

export interface CommandSendReceipt {
  producerId: bigint;
  sequenceId: bigint;
  messageId?: MessageIdData;
  highestSequenceId?: bigint;
}

export interface CommandSendError {
  producerId: bigint;
  sequenceId: bigint;
  error: ServerErrorValue;
  message: string;
}

export interface KeySharedMeta {
  keySharedMode: KeySharedModeValue;
  hashRanges?: IntRange[];
  allowOutOfOrderDelivery?: boolean;
}

export interface CommandSubscribe {
  topic: string;
  subscription: string;
  subType: SubTypeValue;
  consumerId: bigint;
  requestId: bigint;
  consumerName?: string;
  priorityLevel?: number;
  /** Absent means true; false creates a non-durable cursor (readers). */
  durable?: boolean;
  startMessageId?: MessageIdData;
  metadata?: KeyValue[];
  readCompacted?: boolean;
  initialPosition?: InitialPositionValue;
  replicateSubscriptionState?: boolean;
  /** Absent means true. */
  forceTopicCreation?: boolean;
  startMessageRollbackDurationSec?: bigint;
  keySharedMeta?: KeySharedMeta;
  subscriptionProperties?: KeyValue[];
  consumerEpoch?: bigint;
}

export interface CommandFlow {
  consumerId: bigint;
  messagePermits: number;
}

export interface CommandMessage {
  consumerId: bigint;
  messageId: MessageIdData;
  redeliveryCount?: number;
  ackSet?: bigint[];
  consumerEpoch?: bigint;
}

export interface CommandAck {
  consumerId: bigint;
  ackType: AckTypeValue;
  messageId?: MessageIdData[];
  validationError?: ValidationErrorValue;
  properties?: KeyLongValue[];
  txnidLeastBits?: bigint;
  txnidMostBits?: bigint;
  requestId?: bigint;
}

export interface CommandAckResponse {
  consumerId: bigint;
  txnidLeastBits?: bigint;
  txnidMostBits?: bigint;
  error?: ServerErrorValue;
  message?: string;
  requestId?: bigint;
}

export interface CommandRedeliverUnacknowledgedMessages {
  consumerId: bigint;
  messageIds?: MessageIdData[];
  consumerEpoch?: bigint;
}

export interface CommandUnsubscribe {
  consumerId: bigint;
  requestId: bigint;
  force?: boolean;
}

export interface CommandSeek {
  consumerId: bigint;
  requestId: bigint;
  messageId?: MessageIdData;
  /** Milliseconds since the epoch. */
  messagePublishTime?: bigint;
}

export interface CommandReachedEndOfTopic {
  consumerId: bigint;
}

export interface CommandActiveConsumerChange {
  consumerId: bigint;
  isActive?: boolean;
}

export interface CommandTopicMigrated {
  resourceId: bigint;
  resourceType: TopicMigratedResourceTypeValue;
  brokerServiceUrl?: string;
  brokerServiceUrlTls?: string;
}

export interface CommandCloseProducer {
  producerId: bigint;
  requestId: bigint;
  assignedBrokerServiceUrl?: string;
  assignedBrokerServiceUrlTls?: string;
}

export interface CommandCloseConsumer {
  consumerId: bigint;
  requestId: bigint;
  assignedBrokerServiceUrl?: string;
  assignedBrokerServiceUrlTls?: string;
}

export interface CommandSuccess {
  requestId: bigint;
}

export interface CommandError {
  requestId: bigint;
  error: ServerErrorValue;
  message: string;
}

export interface CommandGetLastMessageId {
  consumerId: bigint;
  requestId: bigint;
}

export interface CommandGetLastMessageIdResponse {
  lastMessageId: MessageIdData;
  requestId: bigint;
  consumerMarkDeletePosition?: MessageIdData;
}

export interface CommandGetTopicsOfNamespace {
  requestId: bigint;
  namespace: string;
  mode?: TopicListModeValue;
  topicsPattern?: string;
  topicsHash?: string;
}

export interface CommandGetTopicsOfNamespaceResponse {
  requestId: bigint;
  topics?: string[];
  filtered?: boolean;
  topicsHash?: string;
  /** Absent means true. */
  changed?: boolean;
}

/**
 * The envelope of every frame. `type` names the one sub-command field that is set; a type this
 * client does not know decodes with no sub-command at all.
 */
export interface BaseCommand {
  type: number;
  connect?: CommandConnect;
  connected?: CommandConnected;
  subscribe?: CommandSubscribe;
  producer?: CommandProducer;
  send?: CommandSend;
  sendReceipt?: CommandSendReceipt;
  sendError?: CommandSendError;
  message?: CommandMessage;
  ack?: CommandAck;
  flow?: CommandFlow;
  unsubscribe?: CommandUnsubscribe;
  success?: CommandSuccess;
  error?: CommandError;
  closeProducer?: CommandCloseProducer;
  closeConsumer?: CommandCloseConsumer;
  producerSuccess?: CommandProducerSuccess;
  ping?: CommandPing;
  pong?: CommandPong;
  redeliverUnacknowledgedMessages?: CommandRedeliverUnacknowledgedMessages;
  partitionedMetadata?: CommandPartitionedTopicMetadata;
  partitionedMetadataResponse?: CommandPartitionedTopicMetadataResponse;
  lookupTopic?: CommandLookupTopic;
  lookupTopicResponse?: CommandLookupTopicResponse;
  reachedEndOfTopic?: CommandReachedEndOfTopic;
  seek?: CommandSeek;
  getLastMessageId?: CommandGetLastMessageId;
  getLastMessageIdResponse?: CommandGetLastMessageIdResponse;
  activeConsumerChange?: CommandActiveConsumerChange;
  getTopicsOfNamespace?: CommandGetTopicsOfNamespace;
  getTopicsOfNamespaceResponse?: CommandGetTopicsOfNamespaceResponse;
  authChallenge?: CommandAuthChallenge;
  authResponse?: CommandAuthResponse;
  ackResponse?: CommandAckResponse;
  topicMigrated?: CommandTopicMigrated;
}
