import type {
  BaseCommand,
  CommandSend,
  MessageMetadata,
} from '../../src/pulsar/protocol/command-types.ts';
import { CommandType } from '../../src/pulsar/protocol/constants.ts';
import { messageMetadataCodec } from '../../src/pulsar/protocol/proto.ts';
import type { FakeBroker, FakeBrokerConnection } from './fake-broker.ts';

/**
 * Producer-side additions to the fake broker (test/helpers/fake-broker.ts) for the producer unit
 * tests: decoded SEND frames, receipts under test control, and the broker-initiated commands a
 * producer must survive (SEND_ERROR, CLOSE_PRODUCER, TOPIC_MIGRATED).
 */

/** One SEND frame as the broker received it. */
export interface ReceivedSend {
  send: CommandSend;
  metadata: MessageMetadata;
  payload: Buffer;
  connection: FakeBrokerConnection;
}

/** Every SEND received so far, across connections, in arrival order per connection. */
export function receivedSends(broker: FakeBroker): ReceivedSend[] {
  const out: ReceivedSend[] = [];
  for (const connection of broker.connections) {
    for (const frame of connection.frames) {
      if (frame.command.type !== CommandType.SEND || frame.payload === undefined) continue;
      out.push({
        send: frame.command.send!,
        metadata: messageMetadataCodec.decode(frame.payload.metadata),
        payload: frame.payload.data,
        connection,
      });
    }
  }
  return out;
}

/** SEND_RECEIPT for `send` naming entry (ledger, entry). */
export function receiptFor(send: CommandSend, ledgerId: bigint, entryId: bigint): BaseCommand {
  return {
    type: CommandType.SEND_RECEIPT,
    sendReceipt: {
      producerId: send.producerId,
      sequenceId: send.sequenceId,
      messageId: { ledgerId, entryId },
      ...(send.highestSequenceId === undefined
        ? {}
        : { highestSequenceId: send.highestSequenceId }),
    },
  };
}

/** SEND_ERROR for `send`. */
export function sendErrorFor(send: CommandSend, error: number, message = 'injected'): BaseCommand {
  return {
    type: CommandType.SEND_ERROR,
    sendError: { producerId: send.producerId, sequenceId: send.sequenceId, error, message },
  };
}

/** CLOSE_PRODUCER pushed by the broker (topic unload). */
export function closeProducerPush(producerId: bigint, assignedUrl?: string): BaseCommand {
  return {
    type: CommandType.CLOSE_PRODUCER,
    closeProducer: {
      producerId,
      requestId: 0n,
      ...(assignedUrl === undefined ? {} : { assignedBrokerServiceUrl: assignedUrl }),
    },
  };
}

/** TOPIC_MIGRATED for a producer. */
export function topicMigratedPush(producerId: bigint, brokerServiceUrl: string): BaseCommand {
  return {
    type: CommandType.TOPIC_MIGRATED,
    topicMigrated: { resourceId: producerId, resourceType: 0, brokerServiceUrl },
  };
}

/**
 * Takes over SEND handling: receipts are held until `release` (slow broker), and the entry ids
 * grow per broker like a ledger. With `dedup`, a resent sequence id already persisted is
 * acknowledged with its original entry id instead of being stored twice, as a broker with
 * deduplication does.
 */
export class ReceiptController {
  readonly #broker: FakeBroker;
  /** SENDs waiting for a receipt, oldest first. */
  readonly held: { send: CommandSend; connection: FakeBrokerConnection }[] = [];
  /** Entries persisted, by first sequence id (dedup map). */
  readonly stored = new Map<bigint, bigint>();
  #nextEntry = 0n;
  auto: boolean;
  dedup: boolean;

  constructor(broker: FakeBroker, options: { auto?: boolean; dedup?: boolean } = {}) {
    this.#broker = broker;
    this.auto = options.auto ?? false;
    this.dedup = options.dedup ?? true;
    broker.on('SEND', (cmd, connection) => {
      this.held.push({ send: cmd.send!, connection });
      if (this.auto) this.release();
    });
  }

  /** Sends receipts for the oldest `count` held SENDs (all by default), skipping dead sockets. */
  release(count = this.held.length): void {
    for (const { send, connection } of this.held.splice(0, count)) {
      let entry = this.dedup ? this.stored.get(send.sequenceId) : undefined;
      if (entry === undefined) {
        entry = this.#nextEntry++;
        this.stored.set(send.sequenceId, entry);
      }
      connection.send(receiptFor(send, 7n, entry));
    }
  }

  /** Drops held SENDs without answering (their connection is about to die). */
  discard(): void {
    this.held.length = 0;
  }

  get broker(): FakeBroker {
    return this.#broker;
  }
}
