/**
 * Wire constants of Pulsar's binary protocol (docs/pulsar-binary-protocol.md §1.3-§1.9), as
 * `as const` objects plus value unions, mirroring the enums of pulsar-api.proto.
 */

/** BaseCommand.type values; the sub-command sits in the BaseCommand field with the same number. */
export const CommandType = {
  CONNECT: 2,
  CONNECTED: 3,
  SUBSCRIBE: 4,
  PRODUCER: 5,
  SEND: 6,
  SEND_RECEIPT: 7,
  SEND_ERROR: 8,
  MESSAGE: 9,
  ACK: 10,
  FLOW: 11,
  UNSUBSCRIBE: 12,
  SUCCESS: 13,
  ERROR: 14,
  CLOSE_PRODUCER: 15,
  CLOSE_CONSUMER: 16,
  PRODUCER_SUCCESS: 17,
  PING: 18,
  PONG: 19,
  REDELIVER_UNACKNOWLEDGED_MESSAGES: 20,
  PARTITIONED_METADATA: 21,
  PARTITIONED_METADATA_RESPONSE: 22,
  LOOKUP: 23,
  LOOKUP_RESPONSE: 24,
  CONSUMER_STATS: 25,
  CONSUMER_STATS_RESPONSE: 26,
  REACHED_END_OF_TOPIC: 27,
  SEEK: 28,
  GET_LAST_MESSAGE_ID: 29,
  GET_LAST_MESSAGE_ID_RESPONSE: 30,
  ACTIVE_CONSUMER_CHANGE: 31,
  GET_TOPICS_OF_NAMESPACE: 32,
  GET_TOPICS_OF_NAMESPACE_RESPONSE: 33,
  GET_SCHEMA: 34,
  GET_SCHEMA_RESPONSE: 35,
  AUTH_CHALLENGE: 36,
  AUTH_RESPONSE: 37,
  ACK_RESPONSE: 38,
  TOPIC_MIGRATED: 68,
} as const;
/** A known BaseCommand type number. */
export type CommandTypeValue = (typeof CommandType)[keyof typeof CommandType];

const COMMAND_TYPE_NAMES = new Map<number, string>(
  Object.entries(CommandType).map(([name, value]) => [value, name]),
);

/** Name of a command type for logs; unknown numbers render as `UNKNOWN(<n>)`. */
export function commandTypeName(type: number): string {
  return COMMAND_TYPE_NAMES.get(type) ?? `UNKNOWN(${type})`;
}

/** Broker error codes (`ServerError`, §1.3). */
export const ServerError = {
  UnknownError: 0,
  MetadataError: 1,
  PersistenceError: 2,
  AuthenticationError: 3,
  AuthorizationError: 4,
  ConsumerBusy: 5,
  ServiceNotReady: 6,
  ProducerBlockedQuotaExceededError: 7,
  ProducerBlockedQuotaExceededException: 8,
  ChecksumError: 9,
  UnsupportedVersionError: 10,
  TopicNotFound: 11,
  SubscriptionNotFound: 12,
  ConsumerNotFound: 13,
  TooManyRequests: 14,
  TopicTerminatedError: 15,
  ProducerBusy: 16,
  InvalidTopicName: 17,
  IncompatibleSchema: 18,
  ConsumerAssignError: 19,
  TransactionCoordinatorNotFound: 20,
  InvalidTxnStatus: 21,
  NotAllowedError: 22,
  TransactionConflict: 23,
  TransactionNotFound: 24,
  ProducerFenced: 25,
} as const;
/** A ServerError number (a newer broker may send values not listed above). */
export type ServerErrorValue = number;

/** Payload compression codecs (§1.7). */
export const CompressionType = { NONE: 0, LZ4: 1, ZLIB: 2, ZSTD: 3, SNAPPY: 4 } as const;
export type CompressionTypeValue = (typeof CompressionType)[keyof typeof CompressionType];

/** LOOKUP_RESPONSE.response (§1.5). */
export const LookupType = { Redirect: 0, Connect: 1, Failed: 2 } as const;
export type LookupTypeValue = (typeof LookupType)[keyof typeof LookupType];

/** PARTITIONED_METADATA_RESPONSE.response (§1.5). */
export const PartitionedMetadataResult = { Success: 0, Failed: 1 } as const;
export type PartitionedMetadataResultValue =
  (typeof PartitionedMetadataResult)[keyof typeof PartitionedMetadataResult];

/** SUBSCRIBE.sub_type (§1.8). */
export const SubType = { Exclusive: 0, Shared: 1, Failover: 2, Key_Shared: 3 } as const;
export type SubTypeValue = (typeof SubType)[keyof typeof SubType];

/** SUBSCRIBE.initial_position (§1.8). */
export const InitialPosition = { Latest: 0, Earliest: 1 } as const;
export type InitialPositionValue = (typeof InitialPosition)[keyof typeof InitialPosition];

/** KeySharedMeta.key_shared_mode. */
export const KeySharedMode = { AUTO_SPLIT: 0, STICKY: 1 } as const;
export type KeySharedModeValue = (typeof KeySharedMode)[keyof typeof KeySharedMode];

/** ACK.ack_type (§1.8). */
export const AckType = { Individual: 0, Cumulative: 1 } as const;
export type AckTypeValue = (typeof AckType)[keyof typeof AckType];

/** ACK.validation_error: why a consumer acks a message it could not deliver (§1.2, §1.7). */
export const ValidationError = {
  UncompressedSizeCorruption: 0,
  DecompressionError: 1,
  ChecksumMismatch: 2,
  BatchDeSerializeError: 3,
  DecryptionError: 4,
} as const;
export type ValidationErrorValue = (typeof ValidationError)[keyof typeof ValidationError];

/** PRODUCER.producer_access_mode (§1.6). */
export const ProducerAccessMode = {
  Shared: 0,
  Exclusive: 1,
  WaitForExclusive: 2,
  ExclusiveWithFencing: 3,
} as const;
export type ProducerAccessModeValue = (typeof ProducerAccessMode)[keyof typeof ProducerAccessMode];

/** TOPIC_MIGRATED.resource_type (§1.5). */
export const TopicMigratedResourceType = { Producer: 0, Consumer: 1 } as const;
export type TopicMigratedResourceTypeValue =
  (typeof TopicMigratedResourceType)[keyof typeof TopicMigratedResourceType];

/** GET_TOPICS_OF_NAMESPACE.mode. */
export const TopicListMode = { PERSISTENT: 0, NON_PERSISTENT: 1, ALL: 2 } as const;
export type TopicListModeValue = (typeof TopicListMode)[keyof typeof TopicListMode];

/**
 * Protocol version we advertise in CONNECT (§1.4: v20, like the Go client). It implies we skip
 * 0x0e02 broker-entry-metadata blocks and handle TOPIC_MIGRATED.
 */
export const PROTOCOL_VERSION = 20;

/** Magic preceding the CRC32C checksum in payload frames (§1.2). */
export const MAGIC_CRC32C = 0x0e01;
/** Magic preceding a broker-entry-metadata block in broker→client payload frames (§1.2). */
export const MAGIC_BROKER_ENTRY_METADATA = 0x0e02;

/** Default broker max message size before CONNECTED says otherwise: 5 MiB (§1.2). */
export const DEFAULT_MAX_MESSAGE_SIZE = 5 * 1024 * 1024;
/** Headroom added to max message size for frame headers, as the Go client does: 10 KiB (§1.2). */
export const FRAME_HEADROOM = 10 * 1024;
