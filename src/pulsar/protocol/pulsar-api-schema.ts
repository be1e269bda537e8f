// Generated from pulsar-api.proto, whose text this constant must equal byte for byte:
// test/unit/pulsar/protocol/schema.test.ts fails when the two drift and prints the command that
// regenerates this file.
//
// Why a string constant instead of reading the .proto at run time: tsc does not copy .proto files
// into dist/, and a generated static module (pbjs) would be a second, much larger source of truth.
// Embedding the text keeps one schema, works from both src/ (node --test on .ts) and dist/, and
// costs one protobuf.parse() at module load (a few milliseconds).

/** The text of pulsar-api.proto (our own proto2 schema of Pulsar's binary protocol). */
export const PULSAR_API_PROTO = String.raw`
// Our own proto2 schema for the subset of Pulsar's binary protocol this client speaks.
//
// Written from the field tables in docs/pulsar-binary-protocol.md (sec. 1.3-sec. 1.9); field numbers and
// enum values are wire facts, names and layout are ours (protobufjs camel-cases them, so
// 'ledger_id' becomes 'ledgerId' in TypeScript). Fields upstream declares 'required' are 'required'
// here too, so protobufjs rejects a frame that lacks one instead of handing out 'undefined' where
// the TypeScript interfaces in command-types.ts promise a value. Fields and commands we never use
// (schemas, transactions, consumer stats, topic-list watchers) are left out: protobufjs skips
// unknown fields, so a broker that sends them does not break decoding.
//
// This file is the human-readable source. The runtime loads the identical text embedded in
// pulsar-api-schema.ts (tsc does not copy .proto files into dist/); a unit test fails if the two
// drift apart.

syntax = "proto2";

package pulsar.proto;

enum CompressionType {
  NONE = 0;
  LZ4 = 1;
  ZLIB = 2;
  ZSTD = 3;
  SNAPPY = 4;
}

// Listed for reference; version fields are plain int32 so an unknown future version still decodes.
enum ProtocolVersion {
  v0 = 0;
  v1 = 1;
  v2 = 2;
  v3 = 3;
  v4 = 4;
  v5 = 5;
  v6 = 6;
  v7 = 7;
  v8 = 8;
  v9 = 9;
  v10 = 10;
  v11 = 11;
  v12 = 12;
  v13 = 13;
  v14 = 14;
  v15 = 15;
  v16 = 16;
  v17 = 17;
  v18 = 18;
  v19 = 19;
  v20 = 20;
  v21 = 21;
}

enum ServerError {
  UnknownError = 0;
  MetadataError = 1;
  PersistenceError = 2;
  AuthenticationError = 3;
  AuthorizationError = 4;
  ConsumerBusy = 5;
  ServiceNotReady = 6;
  ProducerBlockedQuotaExceededError = 7;
  ProducerBlockedQuotaExceededException = 8;
  ChecksumError = 9;
  UnsupportedVersionError = 10;
  TopicNotFound = 11;
  SubscriptionNotFound = 12;
  ConsumerNotFound = 13;
  TooManyRequests = 14;
  TopicTerminatedError = 15;
  ProducerBusy = 16;
  InvalidTopicName = 17;
  IncompatibleSchema = 18;
  ConsumerAssignError = 19;
  TransactionCoordinatorNotFound = 20;
  InvalidTxnStatus = 21;
  NotAllowedError = 22;
  TransactionConflict = 23;
  TransactionNotFound = 24;
  ProducerFenced = 25;
}

message KeyValue {
  required string key = 1;
  required string value = 2;
}

message KeyLongValue {
  required string key = 1;
  required uint64 value = 2;
}

message IntRange {
  required int32 start = 1;
  required int32 end = 2;
}

message EncryptionKeys {
  required string key = 1;
  required bytes value = 2;
  repeated KeyValue metadata = 3;
}

// sec. 1.9. partition / batch_index default to -1; batch_size has no default and is written by the
// Java client even for plain messages (value 0).
message MessageIdData {
  required uint64 ledger_id = 1;
  required uint64 entry_id = 2;
  optional int32 partition = 3 [default = -1];
  optional int32 batch_index = 4 [default = -1];
  repeated int64 ack_set = 5;
  optional int32 batch_size = 6;
  optional MessageIdData first_chunk_message_id = 7;
}

// sec. 1.7. The presence of num_messages_in_batch (even = 1) marks a batch.
message MessageMetadata {
  required string producer_name = 1;
  required uint64 sequence_id = 2;
  required uint64 publish_time = 3;
  repeated KeyValue properties = 4;
  optional string replicated_from = 5;
  optional string partition_key = 6;
  repeated string replicate_to = 7;
  optional CompressionType compression = 8 [default = NONE];
  optional uint32 uncompressed_size = 9 [default = 0];
  optional int32 num_messages_in_batch = 11 [default = 1];
  optional uint64 event_time = 12 [default = 0];
  repeated EncryptionKeys encryption_keys = 13;
  optional string encryption_algo = 14;
  optional bytes encryption_param = 15;
  optional bytes schema_version = 16;
  optional bool partition_key_b64_encoded = 17 [default = false];
  optional bytes ordering_key = 18;
  optional int64 deliver_at_time = 19;
  optional int32 marker_type = 20;
  optional uint64 txnid_least_bits = 22 [default = 0];
  optional uint64 txnid_most_bits = 23 [default = 0];
  optional uint64 highest_sequence_id = 24 [default = 0];
  optional bool null_value = 25 [default = false];
  optional string uuid = 26;
  optional int32 num_chunks_from_msg = 27;
  optional int32 total_chunk_msg_size = 28;
  optional int32 chunk_id = 29;
  optional bool null_partition_key = 30 [default = false];
}

message SingleMessageMetadata {
  repeated KeyValue properties = 1;
  optional string partition_key = 2;
  required int32 payload_size = 3;
  optional bool compacted_out = 4 [default = false];
  optional uint64 event_time = 5 [default = 0];
  optional bool partition_key_b64_encoded = 6 [default = false];
  optional bytes ordering_key = 7;
  optional uint64 sequence_id = 8;
  optional bool null_value = 9 [default = false];
  optional bool null_partition_key = 10 [default = false];
}

// The 0x0e02 block of sec. 1.2; we only skip or surface it.
message BrokerEntryMetadata {
  optional uint64 broker_timestamp = 1;
  optional uint64 index = 2;
}

message FeatureFlags {
  optional bool supports_auth_refresh = 1 [default = false];
  optional bool supports_broker_entry_metadata = 2 [default = false];
  optional bool supports_partial_producer = 3 [default = false];
  optional bool supports_topic_watchers = 4 [default = false];
  optional bool supports_get_partitioned_metadata_without_auto_creation = 5 [default = false];
}

// sec. 1.4
message CommandConnect {
  required string client_version = 1;
  optional int32 auth_method = 2; // deprecated enum, never set
  optional bytes auth_data = 3;
  optional int32 protocol_version = 4 [default = 0];
  optional string auth_method_name = 5;
  optional string proxy_to_broker_url = 6;
  optional string original_principal = 7;
  optional string original_auth_data = 8;
  optional string original_auth_method = 9;
  optional FeatureFlags feature_flags = 10;
}

message CommandConnected {
  required string server_version = 1;
  optional int32 protocol_version = 2 [default = 0];
  optional int32 max_message_size = 3;
  optional FeatureFlags feature_flags = 4;
}

message AuthData {
  optional string auth_method_name = 1;
  optional bytes auth_data = 2;
}

message CommandAuthChallenge {
  optional string server_version = 1;
  optional AuthData challenge = 2;
  optional int32 protocol_version = 3 [default = 0];
}

message CommandAuthResponse {
  optional string client_version = 1;
  optional AuthData response = 2;
  optional int32 protocol_version = 3 [default = 0];
}

message CommandPing {}

message CommandPong {}

// sec. 1.5
message CommandLookupTopic {
  enum LookupType {
    Redirect = 0;
    Connect = 1;
    Failed = 2;
  }
  required string topic = 1;
  required uint64 request_id = 2;
  optional bool authoritative = 3 [default = false];
  optional string original_principal = 4;
  optional string original_auth_data = 5;
  optional string original_auth_method = 6;
  optional string advertised_listener_name = 7;
  repeated KeyValue properties = 8;
}

message CommandLookupTopicResponse {
  optional string broker_service_url = 1;
  optional string broker_service_url_tls = 2;
  optional CommandLookupTopic.LookupType response = 3;
  required uint64 request_id = 4;
  optional bool authoritative = 5 [default = false];
  optional ServerError error = 6;
  optional string message = 7;
  optional bool proxy_through_service_url = 8 [default = false];
}

message CommandPartitionedTopicMetadata {
  required string topic = 1;
  required uint64 request_id = 2;
  optional string original_principal = 3;
  optional string original_auth_data = 4;
  optional string original_auth_method = 5;
  optional bool metadata_auto_creation_enabled = 6 [default = true];
}

message CommandPartitionedTopicMetadataResponse {
  enum LookupType {
    Success = 0;
    Failed = 1;
  }
  optional uint32 partitions = 1;
  required uint64 request_id = 2;
  optional LookupType response = 3;
  optional ServerError error = 4;
  optional string message = 5;
}

// sec. 1.6
message CommandProducer {
  enum AccessMode {
    Shared = 0;
    Exclusive = 1;
    WaitForExclusive = 2;
    ExclusiveWithFencing = 3;
  }
  required string topic = 1;
  required uint64 producer_id = 2;
  required uint64 request_id = 3;
  optional string producer_name = 4;
  optional bool encrypted = 5 [default = false];
  repeated KeyValue metadata = 6;
  optional uint64 epoch = 8 [default = 0];
  optional bool user_provided_producer_name = 9 [default = true];
  optional AccessMode producer_access_mode = 10 [default = Shared];
  optional uint64 topic_epoch = 11;
  optional bool txn_enabled = 12 [default = false];
  optional string initial_subscription_name = 13;
}

message CommandProducerSuccess {
  required uint64 request_id = 1;
  required string producer_name = 2;
  optional int64 last_sequence_id = 3 [default = -1];
  optional bytes schema_version = 4;
  optional uint64 topic_epoch = 5;
  optional bool producer_ready = 6 [default = true];
}

message CommandSend {
  required uint64 producer_id = 1;
  required uint64 sequence_id = 2;
  optional int32 num_messages = 3 [default = 1];
  optional uint64 txnid_least_bits = 4 [default = 0];
  optional uint64 txnid_most_bits = 5 [default = 0];
  optional uint64 highest_sequence_id = 6 [default = 0];
  optional bool is_chunk = 7 [default = false];
  optional bool marker = 8 [default = false];
  optional MessageIdData message_id = 9;
}

message CommandSendReceipt {
  required uint64 producer_id = 1;
  required uint64 sequence_id = 2;
  optional MessageIdData message_id = 3;
  optional uint64 highest_sequence_id = 4 [default = 0];
}

message CommandSendError {
  required uint64 producer_id = 1;
  required uint64 sequence_id = 2;
  required ServerError error = 3;
  required string message = 4;
}

// sec. 1.8
message KeySharedMeta {
  enum Mode {
    AUTO_SPLIT = 0;
    STICKY = 1;
  }
  required Mode key_shared_mode = 1;
  repeated IntRange hash_ranges = 3;
  optional bool allow_out_of_order_delivery = 4 [default = false];
}

message CommandSubscribe {
  enum SubType {
    Exclusive = 0;
    Shared = 1;
    Failover = 2;
    Key_Shared = 3;
  }
  enum InitialPosition {
    Latest = 0;
    Earliest = 1;
  }
  required string topic = 1;
  required string subscription = 2;
  required SubType sub_type = 3;
  required uint64 consumer_id = 4;
  required uint64 request_id = 5;
  optional string consumer_name = 6;
  optional int32 priority_level = 7;
  optional bool durable = 8 [default = true];
  optional MessageIdData start_message_id = 9;
  repeated KeyValue metadata = 10;
  optional bool read_compacted = 11;
  optional InitialPosition initial_position = 13 [default = Latest];
  optional bool replicate_subscription_state = 14;
  optional bool force_topic_creation = 15 [default = true];
  optional uint64 start_message_rollback_duration_sec = 16 [default = 0];
  optional KeySharedMeta key_shared_meta = 17;
  repeated KeyValue subscription_properties = 18;
  optional uint64 consumer_epoch = 19;
}

message CommandFlow {
  required uint64 consumer_id = 1;
  required uint32 message_permits = 2;
}

message CommandMessage {
  required uint64 consumer_id = 1;
  required MessageIdData message_id = 2;
  optional uint32 redelivery_count = 3 [default = 0];
  repeated int64 ack_set = 4;
  optional uint64 consumer_epoch = 5;
}

message CommandAck {
  enum AckType {
    Individual = 0;
    Cumulative = 1;
  }
  enum ValidationError {
    UncompressedSizeCorruption = 0;
    DecompressionError = 1;
    ChecksumMismatch = 2;
    BatchDeSerializeError = 3;
    DecryptionError = 4;
  }
  required uint64 consumer_id = 1;
  required AckType ack_type = 2;
  repeated MessageIdData message_id = 3;
  optional ValidationError validation_error = 4;
  repeated KeyLongValue properties = 5;
  optional uint64 txnid_least_bits = 6 [default = 0];
  optional uint64 txnid_most_bits = 7 [default = 0];
  optional uint64 request_id = 8;
}

message CommandAckResponse {
  required uint64 consumer_id = 1;
  optional uint64 txnid_least_bits = 2 [default = 0];
  optional uint64 txnid_most_bits = 3 [default = 0];
  optional ServerError error = 4;
  optional string message = 5;
  optional uint64 request_id = 6;
}

message CommandRedeliverUnacknowledgedMessages {
  required uint64 consumer_id = 1;
  repeated MessageIdData message_ids = 2;
  optional uint64 consumer_epoch = 3;
}

message CommandUnsubscribe {
  required uint64 consumer_id = 1;
  required uint64 request_id = 2;
  optional bool force = 3 [default = false];
}

message CommandSeek {
  required uint64 consumer_id = 1;
  required uint64 request_id = 2;
  optional MessageIdData message_id = 3;
  optional uint64 message_publish_time = 4;
}

message CommandReachedEndOfTopic {
  required uint64 consumer_id = 1;
}

message CommandActiveConsumerChange {
  required uint64 consumer_id = 1;
  optional bool is_active = 2 [default = false];
}

message CommandTopicMigrated {
  enum ResourceType {
    Producer = 0;
    Consumer = 1;
  }
  required uint64 resource_id = 1;
  required ResourceType resource_type = 2;
  optional string broker_service_url = 3;
  optional string broker_service_url_tls = 4;
}

message CommandCloseProducer {
  required uint64 producer_id = 1;
  required uint64 request_id = 2;
  optional string assigned_broker_service_url = 3;
  optional string assigned_broker_service_url_tls = 4;
}

message CommandCloseConsumer {
  required uint64 consumer_id = 1;
  required uint64 request_id = 2;
  optional string assigned_broker_service_url = 3;
  optional string assigned_broker_service_url_tls = 4;
}

message CommandSuccess {
  required uint64 request_id = 1;
}

message CommandError {
  required uint64 request_id = 1;
  required ServerError error = 2;
  required string message = 3;
}

message CommandGetLastMessageId {
  required uint64 consumer_id = 1;
  required uint64 request_id = 2;
}

message CommandGetLastMessageIdResponse {
  required MessageIdData last_message_id = 1;
  required uint64 request_id = 2;
  optional MessageIdData consumer_mark_delete_position = 3;
}

message CommandGetTopicsOfNamespace {
  enum Mode {
    PERSISTENT = 0;
    NON_PERSISTENT = 1;
    ALL = 2;
  }
  required uint64 request_id = 1;
  required string namespace = 2;
  optional Mode mode = 3 [default = PERSISTENT];
  optional string topics_pattern = 4;
  optional string topics_hash = 5;
}

message CommandGetTopicsOfNamespaceResponse {
  required uint64 request_id = 1;
  repeated string topics = 2;
  optional bool filtered = 3 [default = false];
  optional string topics_hash = 4;
  optional bool changed = 5 [default = true];
}

// sec. 1.3: every sub-command sits in the field whose number equals its Type value.
message BaseCommand {
  enum Type {
    CONNECT = 2;
    CONNECTED = 3;
    SUBSCRIBE = 4;
    PRODUCER = 5;
    SEND = 6;
    SEND_RECEIPT = 7;
    SEND_ERROR = 8;
    MESSAGE = 9;
    ACK = 10;
    FLOW = 11;
    UNSUBSCRIBE = 12;
    SUCCESS = 13;
    ERROR = 14;
    CLOSE_PRODUCER = 15;
    CLOSE_CONSUMER = 16;
    PRODUCER_SUCCESS = 17;
    PING = 18;
    PONG = 19;
    REDELIVER_UNACKNOWLEDGED_MESSAGES = 20;
    PARTITIONED_METADATA = 21;
    PARTITIONED_METADATA_RESPONSE = 22;
    LOOKUP = 23;
    LOOKUP_RESPONSE = 24;
    CONSUMER_STATS = 25;
    CONSUMER_STATS_RESPONSE = 26;
    REACHED_END_OF_TOPIC = 27;
    SEEK = 28;
    GET_LAST_MESSAGE_ID = 29;
    GET_LAST_MESSAGE_ID_RESPONSE = 30;
    ACTIVE_CONSUMER_CHANGE = 31;
    GET_TOPICS_OF_NAMESPACE = 32;
    GET_TOPICS_OF_NAMESPACE_RESPONSE = 33;
    GET_SCHEMA = 34;
    GET_SCHEMA_RESPONSE = 35;
    AUTH_CHALLENGE = 36;
    AUTH_RESPONSE = 37;
    ACK_RESPONSE = 38;
    TOPIC_MIGRATED = 68;
  }
  // An int32 rather than Type: a broker newer than this schema may send a type we do not list,
  // and the connection must log and ignore it (sec. 5.2 item 1) instead of failing to decode.
  required int32 type = 1;
  optional CommandConnect connect = 2;
  optional CommandConnected connected = 3;
  optional CommandSubscribe subscribe = 4;
  optional CommandProducer producer = 5;
  optional CommandSend send = 6;
  optional CommandSendReceipt send_receipt = 7;
  optional CommandSendError send_error = 8;
  optional CommandMessage message = 9;
  optional CommandAck ack = 10;
  optional CommandFlow flow = 11;
  optional CommandUnsubscribe unsubscribe = 12;
  optional CommandSuccess success = 13;
  optional CommandError error = 14;
  optional CommandCloseProducer close_producer = 15;
  optional CommandCloseConsumer close_consumer = 16;
  optional CommandProducerSuccess producer_success = 17;
  optional CommandPing ping = 18;
  optional CommandPong pong = 19;
  optional CommandRedeliverUnacknowledgedMessages redeliver_unacknowledged_messages = 20;
  optional CommandPartitionedTopicMetadata partitioned_metadata = 21;
  optional CommandPartitionedTopicMetadataResponse partitioned_metadata_response = 22;
  optional CommandLookupTopic lookup_topic = 23;
  optional CommandLookupTopicResponse lookup_topic_response = 24;
  optional CommandReachedEndOfTopic reached_end_of_topic = 27;
  optional CommandSeek seek = 28;
  optional CommandGetLastMessageId get_last_message_id = 29;
  optional CommandGetLastMessageIdResponse get_last_message_id_response = 30;
  optional CommandActiveConsumerChange active_consumer_change = 31;
  optional CommandGetTopicsOfNamespace get_topics_of_namespace = 32;
  optional CommandGetTopicsOfNamespaceResponse get_topics_of_namespace_response = 33;
  optional CommandAuthChallenge auth_challenge = 36;
  optional CommandAuthResponse auth_response = 37;
  optional CommandAckResponse ack_response = 38;
  optional CommandTopicMigrated topic_migrated = 68;
}
`;
