import type { BaseCommand, MessageMetadata } from '../../src/pulsar/protocol/command-types.ts';
import { encodeBatch, type BatchEntryInput } from '../../src/pulsar/protocol/batch.ts';
import { CommandType } from '../../src/pulsar/protocol/constants.ts';
import type { FakeBroker, FakeBrokerConnection } from './fake-broker.ts';

/**
 * Consumer-side additions to the fake broker (backwards compatible: it only installs handlers for
 * commands the base fake leaves unanswered): ACK with a request id → ACK_RESPONSE,
 * GET_LAST_MESSAGE_ID → the id in `state.lastMessageId`, and builders for MESSAGE frames.
 */
export interface ConsumerBrokerState {
  lastMessageId: { ledgerId: bigint; entryId: bigint; batchIndex?: number };
}

export function installConsumerHandlers(broker: FakeBroker): ConsumerBrokerState {
  const state: ConsumerBrokerState = { lastMessageId: { ledgerId: 0n, entryId: 0n } };
  broker.on('ACK', (cmd, conn) => {
    const ack = cmd.ack!;
    if (ack.requestId === undefined) return;
    conn.send({
      type: CommandType.ACK_RESPONSE,
      ackResponse: { consumerId: ack.consumerId, requestId: ack.requestId },
    });
  });
  broker.on('GET_LAST_MESSAGE_ID', (cmd, conn) => {
    conn.send({
      type: CommandType.GET_LAST_MESSAGE_ID_RESPONSE,
      getLastMessageIdResponse: {
        requestId: cmd.getLastMessageId!.requestId,
        lastMessageId: state.lastMessageId,
      },
    });
  });
  broker.on('FLOW', undefined);
  broker.on('REDELIVER_UNACKNOWLEDGED_MESSAGES', undefined);
  return state;
}

/** A plain (non-batched) message in a MESSAGE frame. */
export interface FakeMessage {
  consumerId: bigint;
  ledgerId: bigint;
  entryId: bigint;
  payload?: string;
  properties?: Record<string, string>;
  key?: string;
  redeliveryCount?: number;
  consumerEpoch?: bigint;
}

function metadataOf(m: FakeMessage): MessageMetadata {
  const metadata: MessageMetadata = {
    producerName: 'fake',
    sequenceId: m.entryId,
    publishTime: 1_700_000_000_000n,
  };
  if (m.properties !== undefined) {
    metadata.properties = Object.entries(m.properties).map(([key, value]) => ({ key, value }));
  }
  if (m.key !== undefined) metadata.partitionKey = m.key;
  return metadata;
}

function messageCommand(m: FakeMessage): BaseCommand {
  return {
    type: CommandType.MESSAGE,
    message: {
      consumerId: m.consumerId,
      messageId: { ledgerId: m.ledgerId, entryId: m.entryId },
      ...(m.redeliveryCount === undefined ? {} : { redeliveryCount: m.redeliveryCount }),
      ...(m.consumerEpoch === undefined ? {} : { consumerEpoch: m.consumerEpoch }),
    },
  };
}

/** Pushes one plain message. */
export function pushMessage(conn: FakeBrokerConnection, m: FakeMessage): void {
  conn.sendPayload(messageCommand(m), metadataOf(m), Buffer.from(m.payload ?? ''));
}

/** Pushes one batch entry holding `payloads.length` messages. */
export function pushBatch(
  conn: FakeBrokerConnection,
  m: FakeMessage,
  payloads: readonly string[],
): void {
  const entries: BatchEntryInput[] = payloads.map((p, i) => ({
    payload: Buffer.from(p),
    metadata: { properties: [{ key: 'i', value: String(i) }], partitionKey: `k${i}` },
  }));
  const metadata = { ...metadataOf(m), numMessagesInBatch: payloads.length };
  conn.sendPayload(messageCommand(m), metadata, encodeBatch(entries));
}

/** FLOW permits received so far on a connection. */
export function flows(conn: FakeBrokerConnection): number[] {
  return conn.received.filter((c) => c.flow !== undefined).map((c) => c.flow!.messagePermits);
}

/** ACK commands received so far on a connection. */
export function acks(conn: FakeBrokerConnection): NonNullable<BaseCommand['ack']>[] {
  return conn.received.filter((c) => c.ack !== undefined).map((c) => c.ack!);
}

/** REDELIVER commands received so far on a connection. */
export function redelivers(
  conn: FakeBrokerConnection,
): NonNullable<BaseCommand['redeliverUnacknowledgedMessages']>[] {
  return conn.received
    .filter((c) => c.redeliverUnacknowledgedMessages !== undefined)
    .map((c) => c.redeliverUnacknowledgedMessages!);
}
