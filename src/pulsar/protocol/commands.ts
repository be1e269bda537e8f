import type {
  AuthData,
  BaseCommand,
  CommandAck,
  CommandFlow,
  CommandProducer,
  CommandRedeliverUnacknowledgedMessages,
  CommandSeek,
  CommandSend,
  CommandSubscribe,
  FeatureFlags,
} from './command-types.ts';
import { CommandType, PROTOCOL_VERSION, type TopicListModeValue } from './constants.ts';

/**
 * Builders for the BaseCommand envelopes the client sends. Each puts the sub-command in the field
 * whose number equals its type (docs/pulsar-binary-protocol.md §1.3). They only build objects;
 * frame-codec.ts serializes them.
 */

/**
 * Identity forwarded to brokers on behalf of an end user (§1.12). The connection authenticates
 * with the gateway's own credentials, whose role must be in the brokers' `proxyRoles`.
 */
export interface ForwardedIdentity {
  /** Role the gateway authenticated for the end client (CONNECT field 7). */
  originalPrincipal: string;
  /** The client's own credentials, for brokers with authenticateOriginalAuthData (field 8). */
  originalAuthData?: string;
  /** Auth method of `originalAuthData`, e.g. `token` (field 9). */
  originalAuthMethod?: string;
}

/** Feature flags we advertise: only what this client implements (§1.4 recommendation). */
export const CLIENT_FEATURE_FLAGS: Readonly<FeatureFlags> = Object.freeze({
  supportsAuthRefresh: true,
  supportsBrokerEntryMetadata: true,
});

/** Inputs of {@link connectCommand}. */
export interface ConnectParams {
  clientVersion: string;
  /** Auth method name (`token`, `basic`, `tls`, …); omitted for no authentication. */
  authMethodName?: string;
  authData?: Uint8Array;
  /** `host:port` of the logical broker when connecting through a Pulsar proxy (§1.5 step 3). */
  proxyToBrokerUrl?: string;
  identity?: ForwardedIdentity;
  /** Defaults to {@link PROTOCOL_VERSION}. */
  protocolVersion?: number;
}

/** CONNECT at protocol v20 with our feature flags (§1.4). */
export function connectCommand(params: ConnectParams): BaseCommand {
  const connect: NonNullable<BaseCommand['connect']> = {
    clientVersion: params.clientVersion,
    protocolVersion: params.protocolVersion ?? PROTOCOL_VERSION,
    featureFlags: { ...CLIENT_FEATURE_FLAGS },
  };
  if (params.authMethodName !== undefined && params.authMethodName !== '') {
    connect.authMethodName = params.authMethodName;
    if (params.authData !== undefined) connect.authData = params.authData;
  }
  if (params.proxyToBrokerUrl !== undefined) connect.proxyToBrokerUrl = params.proxyToBrokerUrl;
  if (params.identity !== undefined) {
    connect.originalPrincipal = params.identity.originalPrincipal;
    if (params.identity.originalAuthData !== undefined) {
      connect.originalAuthData = params.identity.originalAuthData;
    }
    if (params.identity.originalAuthMethod !== undefined) {
      connect.originalAuthMethod = params.identity.originalAuthMethod;
    }
  }
  return { type: CommandType.CONNECT, connect };
}

/** AUTH_RESPONSE answering an AUTH_CHALLENGE (§1.4). */
export function authResponseCommand(clientVersion: string, response: AuthData): BaseCommand {
  return {
    type: CommandType.AUTH_RESPONSE,
    authResponse: { clientVersion, response, protocolVersion: PROTOCOL_VERSION },
  };
}

/** PING (empty). */
export function pingCommand(): BaseCommand {
  return { type: CommandType.PING, ping: {} };
}

/** PONG (empty); must answer every broker PING promptly (§1.4). */
export function pongCommand(): BaseCommand {
  return { type: CommandType.PONG, pong: {} };
}

/** Inputs of {@link lookupCommand}. */
export interface LookupParams {
  topic: string;
  requestId: bigint;
  authoritative?: boolean;
  advertisedListenerName?: string;
}

/** LOOKUP (§1.5). authoritative is written only when true, as absent means false. */
export function lookupCommand(params: LookupParams): BaseCommand {
  const lookupTopic: NonNullable<BaseCommand['lookupTopic']> = {
    topic: params.topic,
    requestId: params.requestId,
  };
  if (params.authoritative === true) lookupTopic.authoritative = true;
  if (params.advertisedListenerName !== undefined && params.advertisedListenerName !== '') {
    lookupTopic.advertisedListenerName = params.advertisedListenerName;
  }
  return { type: CommandType.LOOKUP, lookupTopic };
}

/** PARTITIONED_METADATA (§1.5). */
export function partitionedMetadataCommand(topic: string, requestId: bigint): BaseCommand {
  return { type: CommandType.PARTITIONED_METADATA, partitionedMetadata: { topic, requestId } };
}

/** GET_TOPICS_OF_NAMESPACE. */
export function getTopicsOfNamespaceCommand(
  namespace: string,
  requestId: bigint,
  mode?: TopicListModeValue,
  topicsPattern?: string,
): BaseCommand {
  const cmd: NonNullable<BaseCommand['getTopicsOfNamespace']> = { requestId, namespace };
  if (mode !== undefined) cmd.mode = mode;
  if (topicsPattern !== undefined) cmd.topicsPattern = topicsPattern;
  return { type: CommandType.GET_TOPICS_OF_NAMESPACE, getTopicsOfNamespace: cmd };
}

/** PRODUCER (§1.6). */
export function producerCommand(producer: CommandProducer): BaseCommand {
  return { type: CommandType.PRODUCER, producer };
}

/** SEND (§1.6); goes in a payload frame. */
export function sendCommand(send: CommandSend): BaseCommand {
  return { type: CommandType.SEND, send };
}

/** CLOSE_PRODUCER. */
export function closeProducerCommand(producerId: bigint, requestId: bigint): BaseCommand {
  return { type: CommandType.CLOSE_PRODUCER, closeProducer: { producerId, requestId } };
}

/** SUBSCRIBE (§1.8). */
export function subscribeCommand(subscribe: CommandSubscribe): BaseCommand {
  return { type: CommandType.SUBSCRIBE, subscribe };
}

/** FLOW (§1.8): permits add to those already granted. No reply. */
export function flowCommand(consumerId: bigint, messagePermits: number): BaseCommand {
  const flow: CommandFlow = { consumerId, messagePermits };
  return { type: CommandType.FLOW, flow };
}

/** ACK (§1.8). No reply unless `requestId` is set. */
export function ackCommand(ack: CommandAck): BaseCommand {
  return { type: CommandType.ACK, ack };
}

/** REDELIVER_UNACKNOWLEDGED_MESSAGES (§1.8); omit ids for "everything". */
export function redeliverCommand(cmd: CommandRedeliverUnacknowledgedMessages): BaseCommand {
  return {
    type: CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES,
    redeliverUnacknowledgedMessages: cmd,
  };
}

/** UNSUBSCRIBE. */
export function unsubscribeCommand(
  consumerId: bigint,
  requestId: bigint,
  force = false,
): BaseCommand {
  const unsubscribe: NonNullable<BaseCommand['unsubscribe']> = { consumerId, requestId };
  if (force) unsubscribe.force = true;
  return { type: CommandType.UNSUBSCRIBE, unsubscribe };
}

/** SEEK (by message id or publish time). */
export function seekCommand(seek: CommandSeek): BaseCommand {
  return { type: CommandType.SEEK, seek };
}

/** CLOSE_CONSUMER. */
export function closeConsumerCommand(consumerId: bigint, requestId: bigint): BaseCommand {
  return { type: CommandType.CLOSE_CONSUMER, closeConsumer: { consumerId, requestId } };
}

/** GET_LAST_MESSAGE_ID. */
export function getLastMessageIdCommand(consumerId: bigint, requestId: bigint): BaseCommand {
  return { type: CommandType.GET_LAST_MESSAGE_ID, getLastMessageId: { consumerId, requestId } };
}

/** Sub-commands that carry a request_id (§1.3), responses first since they are looked up most. */
const REQUEST_ID_FIELDS = [
  'success',
  'error',
  'producerSuccess',
  'lookupTopicResponse',
  'partitionedMetadataResponse',
  'getLastMessageIdResponse',
  'getTopicsOfNamespaceResponse',
  'ackResponse',
  'lookupTopic',
  'partitionedMetadata',
  'producer',
  'subscribe',
  'unsubscribe',
  'seek',
  'closeProducer',
  'closeConsumer',
  'getLastMessageId',
  'getTopicsOfNamespace',
  'ack',
] as const satisfies readonly (keyof BaseCommand)[];

/**
 * The request_id a command carries, for correlating requests with responses (§1.3). Undefined for
 * commands without one (FLOW, PING, SEND, MESSAGE, …) and for ACKs sent without a request id.
 */
export function commandRequestId(cmd: BaseCommand): bigint | undefined {
  for (const field of REQUEST_ID_FIELDS) {
    const sub = cmd[field];
    if (sub !== undefined) return sub.requestId;
  }
  return undefined;
}
