import net from 'node:net';
import type { BaseCommand, MessageMetadata } from '../../src/pulsar/protocol/command-types.ts';
import {
  CommandType,
  LookupType,
  PROTOCOL_VERSION,
  PartitionedMetadataResult,
} from '../../src/pulsar/protocol/constants.ts';
import {
  FrameDecoder,
  encodeCommandFrame,
  encodePayloadFrame,
  type Frame,
  type PayloadFrameOptions,
} from '../../src/pulsar/protocol/frame-codec.ts';

/**
 * An in-process TCP server that speaks Pulsar frames, for unit and fault-injection tests of the
 * connection, pool and lookup layers (docs/style.md §7.4: undici's in-process-server habit).
 *
 * It answers like a tiny broker by default (CONNECT, PING, LOOKUP → "connect here",
 * PARTITIONED_METADATA → 0, PRODUCER, SUBSCRIBE, SEND → receipt, …). Each test overrides what it
 * needs with `broker.on('LOOKUP', handler)`: a handler may reply, stay silent, delay, send garbage
 * or drop the socket. Remember this encodes *our* reading of the protocol (§5.4 risk 1); the
 * integration tests against a real broker are the check on it.
 */

/** Name of a command type, e.g. `'LOOKUP'`. */
export type CommandName = keyof typeof CommandType;

/** Scripted reaction to one received command. */
export type FakeHandler = (command: BaseCommand, connection: FakeBrokerConnection) => void;

/** Options of {@link FakeBroker.start}. */
export interface FakeBrokerOptions {
  /** max_message_size announced in CONNECTED; default 5 MiB. */
  maxMessageSize?: number;
  /** server_version announced in CONNECTED. */
  serverVersion?: string;
}

/** The broker side of one accepted client socket. */
export class FakeBrokerConnection {
  readonly socket: net.Socket;
  /** Commands received on this socket, in order. */
  readonly received: BaseCommand[] = [];
  /** Frames received on this socket (with payload sections). */
  readonly frames: Frame[] = [];

  constructor(socket: net.Socket) {
    this.socket = socket;
  }

  /** Sends a simple command frame. */
  send(command: BaseCommand): void {
    this.sendRaw(encodeCommandFrame(command));
  }

  /** Sends a payload frame (MESSAGE). */
  sendPayload(
    command: BaseCommand,
    metadata: MessageMetadata | Uint8Array,
    payload: Uint8Array,
    options?: PayloadFrameOptions,
  ): void {
    this.sendRaw(encodePayloadFrame(command, metadata, payload, options));
  }

  /** Writes arbitrary bytes (garbage, partial or oversized frames). */
  sendRaw(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Drops the TCP connection abruptly. */
  destroy(): void {
    this.socket.destroy();
  }
}

/** A scriptable fake Pulsar broker listening on 127.0.0.1 and a random port. */
export class FakeBroker {
  readonly #server: net.Server;
  readonly #handlers = new Map<number, FakeHandler>();
  readonly #waiters = new Set<{
    test: (c: BaseCommand) => boolean;
    done: (c: BaseCommand) => void;
  }>();
  readonly #options: FakeBrokerOptions;
  /** Every accepted connection, in order. */
  readonly connections: FakeBrokerConnection[] = [];
  /** Every command received, across connections. */
  readonly received: BaseCommand[] = [];
  #port = 0;
  #nextEntry = 0n;

  private constructor(options: FakeBrokerOptions) {
    this.#options = options;
    this.#server = net.createServer((socket) => {
      this.#accept(socket);
    });
    this.#installDefaults();
  }

  /** Starts a broker on an ephemeral port. */
  static async start(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
    const broker = new FakeBroker(options);
    await new Promise<void>((resolve, reject) => {
      broker.#server.once('error', reject);
      broker.#server.listen(0, '127.0.0.1', () => {
        resolve();
      });
    });
    const address = broker.#server.address() as net.AddressInfo;
    broker.#port = address.port;
    return broker;
  }

  get port(): number {
    return this.#port;
  }

  /** `pulsar://127.0.0.1:<port>`. */
  get url(): string {
    return `pulsar://127.0.0.1:${this.#port}`;
  }

  /** Replaces the reaction to a command type; `undefined` makes the broker ignore it. */
  on(name: CommandName, handler: FakeHandler | undefined): void {
    if (handler === undefined) this.#handlers.set(CommandType[name], () => {});
    else this.#handlers.set(CommandType[name], handler);
  }

  /** Resolves with the first received command (past or future) matching `test`. */
  waitFor(test: (command: BaseCommand) => boolean, timeoutMs = 5_000): Promise<BaseCommand> {
    const seen = this.received.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        done: (c: BaseCommand) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(c);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error('fake broker: timed out waiting for a command'));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Resolves with the first received command of type `name`. */
  waitForType(name: CommandName, timeoutMs?: number): Promise<BaseCommand> {
    return this.waitFor((c) => c.type === CommandType[name], timeoutMs);
  }

  /** Destroys every client socket and stops listening. */
  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }

  #accept(socket: net.Socket): void {
    const conn = new FakeBrokerConnection(socket);
    this.connections.push(conn);
    const decoder = new FrameDecoder({ maxFrameSize: 64 * 1024 * 1024 });
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      const { frames, error } = decoder.push(chunk);
      for (const frame of frames) {
        conn.frames.push(frame);
        conn.received.push(frame.command);
        this.received.push(frame.command);
        for (const w of [...this.#waiters]) if (w.test(frame.command)) w.done(frame.command);
        this.#handlers.get(frame.command.type)?.(frame.command, conn);
      }
      if (error !== undefined) socket.destroy();
    });
  }

  #installDefaults(): void {
    this.#handlers.set(CommandType.CONNECT, (_cmd, conn) => {
      conn.send(connectedCommand(this.#options));
    });
    this.#handlers.set(CommandType.PING, (_cmd, conn) => {
      conn.send({ type: CommandType.PONG, pong: {} });
    });
    this.#handlers.set(CommandType.LOOKUP, (cmd, conn) => {
      conn.send(
        lookupResponse(cmd.lookupTopic!.requestId, {
          response: LookupType.Connect,
          brokerServiceUrl: this.url,
          authoritative: true,
        }),
      );
    });
    this.#handlers.set(CommandType.PARTITIONED_METADATA, (cmd, conn) => {
      conn.send({
        type: CommandType.PARTITIONED_METADATA_RESPONSE,
        partitionedMetadataResponse: {
          requestId: cmd.partitionedMetadata!.requestId,
          partitions: 0,
          response: PartitionedMetadataResult.Success,
        },
      });
    });
    this.#handlers.set(CommandType.GET_TOPICS_OF_NAMESPACE, (cmd, conn) => {
      conn.send({
        type: CommandType.GET_TOPICS_OF_NAMESPACE_RESPONSE,
        getTopicsOfNamespaceResponse: {
          requestId: cmd.getTopicsOfNamespace!.requestId,
          topics: [],
        },
      });
    });
    this.#handlers.set(CommandType.PRODUCER, (cmd, conn) => {
      const p = cmd.producer!;
      conn.send({
        type: CommandType.PRODUCER_SUCCESS,
        producerSuccess: {
          requestId: p.requestId,
          producerName: p.producerName ?? `fake-producer-${p.producerId}`,
        },
      });
    });
    this.#handlers.set(CommandType.SEND, (cmd, conn) => {
      const s = cmd.send!;
      conn.send({
        type: CommandType.SEND_RECEIPT,
        sendReceipt: {
          producerId: s.producerId,
          sequenceId: s.sequenceId,
          messageId: { ledgerId: 1n, entryId: this.#nextEntry++ },
        },
      });
    });
    const success: FakeHandler = (cmd, conn) => {
      conn.send(successCommand(commandRequestIdOf(cmd)));
    };
    for (const t of [
      CommandType.SUBSCRIBE,
      CommandType.UNSUBSCRIBE,
      CommandType.CLOSE_PRODUCER,
      CommandType.CLOSE_CONSUMER,
      CommandType.SEEK,
    ]) {
      this.#handlers.set(t, success);
    }
  }
}

function commandRequestIdOf(cmd: BaseCommand): bigint {
  const id =
    cmd.subscribe?.requestId ??
    cmd.unsubscribe?.requestId ??
    cmd.closeProducer?.requestId ??
    cmd.closeConsumer?.requestId ??
    cmd.seek?.requestId;
  if (id === undefined) throw new Error('fake broker: command without request id');
  return id;
}

/** CONNECTED as the fake broker sends it. */
export function connectedCommand(options: FakeBrokerOptions = {}): BaseCommand {
  return {
    type: CommandType.CONNECTED,
    connected: {
      serverVersion: options.serverVersion ?? 'fake-broker',
      protocolVersion: PROTOCOL_VERSION,
      maxMessageSize: options.maxMessageSize ?? 5 * 1024 * 1024,
    },
  };
}

/** SUCCESS for `requestId`. */
export function successCommand(requestId: bigint): BaseCommand {
  return { type: CommandType.SUCCESS, success: { requestId } };
}

/** ERROR for `requestId`. */
export function errorCommand(requestId: bigint, error: number, message: string): BaseCommand {
  return { type: CommandType.ERROR, error: { requestId, error, message } };
}

/** LOOKUP_RESPONSE for `requestId`. */
export function lookupResponse(
  requestId: bigint,
  fields: Omit<NonNullable<BaseCommand['lookupTopicResponse']>, 'requestId'>,
): BaseCommand {
  return { type: CommandType.LOOKUP_RESPONSE, lookupTopicResponse: { requestId, ...fields } };
}
