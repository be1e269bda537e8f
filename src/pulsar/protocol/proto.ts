import protobuf from 'protobufjs';
import { PulsarError } from '../errors.ts';
import type {
  BaseCommand,
  BrokerEntryMetadata,
  MessageIdData,
  MessageMetadata,
  SingleMessageMetadata,
} from './command-types.ts';
import { PULSAR_API_PROTO } from './pulsar-api-schema.ts';

// protobufjs keeps proto2 presence (an explicitly set default such as num_messages_in_batch = 1 is
// encoded) and, with `longs: BigInt`, round-trips 64-bit fields without precision loss
// (docs/pulsar-binary-protocol.md §4, §5.4 item 3). `fromObject` is required before `encode`:
// `encode` alone does not understand bigint.
const root = protobuf.parse(PULSAR_API_PROTO, { keepCase: false }).root;

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: BigInt,
  enums: Number,
  defaults: false,
  arrays: false,
  objects: false,
  oneofs: false,
};

/** A codec for one message type of pulsar-api.proto, typed by its hand-written interface. */
export interface ProtoCodec<T> {
  /** Serializes `value`; absent optional fields stay absent on the wire. */
  encode(value: T): Uint8Array;
  /** Parses `bytes`; throws a PULSAR_ERR_PROTOCOL {@link PulsarError} when they are malformed. */
  decode(bytes: Uint8Array): T;
}

function codec<T>(name: string): ProtoCodec<T> {
  const type = root.lookupType(`pulsar.proto.${name}`);
  return {
    encode(value: T): Uint8Array {
      return type.encode(type.fromObject(value as Record<string, unknown>)).finish();
    },
    decode(bytes: Uint8Array): T {
      try {
        return type.toObject(type.decode(bytes), TO_OBJECT) as T;
      } catch (err) {
        throw new PulsarError('PULSAR_ERR_PROTOCOL', `malformed ${name}`, { cause: err });
      }
    },
  };
}

/** BaseCommand, the envelope of every frame. */
export const baseCommandCodec: ProtoCodec<BaseCommand> = codec<BaseCommand>('BaseCommand');
/** MessageMetadata of payload frames. */
export const messageMetadataCodec: ProtoCodec<MessageMetadata> =
  codec<MessageMetadata>('MessageMetadata');
/** SingleMessageMetadata inside batches. */
export const singleMessageMetadataCodec: ProtoCodec<SingleMessageMetadata> =
  codec<SingleMessageMetadata>('SingleMessageMetadata');
/** MessageIdData, also the payload of the WebSocket base64 message id. */
export const messageIdDataCodec: ProtoCodec<MessageIdData> = codec<MessageIdData>('MessageIdData');
/** BrokerEntryMetadata of the 0x0e02 block. */
export const brokerEntryMetadataCodec: ProtoCodec<BrokerEntryMetadata> =
  codec<BrokerEntryMetadata>('BrokerEntryMetadata');
