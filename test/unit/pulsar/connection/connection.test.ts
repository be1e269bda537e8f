import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '../../../../src/shared/index.ts';
import { TokenAuth } from '../../../../src/pulsar/connection/auth.ts';
import {
  Connection,
  type ConnectionOptions,
  type ConsumerListener,
  type IncomingMessage,
  type ProducerListener,
} from '../../../../src/pulsar/connection/connection.ts';
import type { PulsarError } from '../../../../src/pulsar/errors.ts';
import type { BaseCommand } from '../../../../src/pulsar/protocol/command-types.ts';
import {
  lookupCommand,
  partitionedMetadataCommand,
  producerCommand,
  sendCommand,
} from '../../../../src/pulsar/protocol/commands.ts';
import {
  CommandType,
  LookupType,
  ServerError,
  TopicMigratedResourceType,
} from '../../../../src/pulsar/protocol/constants.ts';
import { encodePayloadFrame } from '../../../../src/pulsar/protocol/frame-codec.ts';
import { eventually } from '../../../helpers/eventually.ts';
import {
  FakeBroker,
  connectedCommand,
  errorCommand,
  lookupResponse,
} from '../../../helpers/fake-broker.ts';

let broker: FakeBroker;
let clock: FakeClock;
const connections: Connection[] = [];

function open(extra: Partial<ConnectionOptions> = {}): Connection {
  const c = new Connection({ logicalAddress: broker.url, clock, ...extra });
  connections.push(c);
  return c;
}

async function ready(extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  const c = open(extra);
  await c.connect();
  return c;
}

function lookup(c: Connection, topic = 'persistent://public/default/t'): Promise<BaseCommand> {
  return c.sendRequest(lookupCommand({ topic, requestId: c.newRequestId() }));
}

function recordingProducer(): ProducerListener & { events: string[]; closedWith?: PulsarError } {
  const l: ProducerListener & { events: string[]; closedWith?: PulsarError } = {
    events: [],
    onSendReceipt: (r) => l.events.push(`receipt:${r.sequenceId}`),
    onSendError: (e) => l.events.push(`error:${e.sequenceId}:${e.error}`),
    onCloseProducer: (c) => l.events.push(`close:${c.assignedBrokerServiceUrl ?? ''}`),
    onTopicMigrated: (m) => l.events.push(`migrated:${m.brokerServiceUrl ?? ''}`),
    onConnectionClosed: (err) => {
      l.closedWith = err;
      l.events.push('connection-closed');
    },
  };
  return l;
}

function recordingConsumer(): ConsumerListener & { messages: IncomingMessage[]; events: string[] } {
  const l: ConsumerListener & { messages: IncomingMessage[]; events: string[] } = {
    messages: [],
    events: [],
    onMessage: (m) => l.messages.push(m),
    onCloseConsumer: () => l.events.push('close'),
    onReachedEndOfTopic: () => l.events.push('end-of-topic'),
    onActiveConsumerChange: (c) => l.events.push(`active:${String(c.isActive ?? false)}`),
    onTopicMigrated: () => l.events.push('migrated'),
    onConnectionClosed: () => l.events.push('connection-closed'),
  };
  return l;
}

beforeEach(async () => {
  broker = await FakeBroker.start();
  clock = new FakeClock();
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((c) => c.close()));
  await broker.close();
});

describe('Connection handshake', () => {
  it('sends CONNECT at v20 with feature flags and token auth, then becomes ready', async () => {
    const c = await ready({ auth: new TokenAuth('jwt-1'), clientVersion: 'test/1' });
    assert.equal(c.state, 'ready');
    assert.equal(c.serverVersion, 'fake-broker');
    assert.equal(c.protocolVersion, 20);
    const connect = broker.received[0]?.connect;
    assert.ok(connect);
    assert.equal(connect.clientVersion, 'test/1');
    assert.equal(connect.protocolVersion, 20);
    assert.equal(connect.authMethodName, 'token');
    assert.equal(Buffer.from(connect.authData!).toString(), 'jwt-1');
    assert.deepEqual(connect.featureFlags, {
      supportsAuthRefresh: true,
      supportsBrokerEntryMetadata: true,
    });
    assert.equal(connect.proxyToBrokerUrl, undefined);
  });

  it('omits auth fields without an auth provider', async () => {
    await ready();
    const connect = broker.received[0]?.connect;
    assert.equal(connect?.authMethodName, undefined);
    assert.equal(connect?.authData, undefined);
  });

  it('forwards identity and names the logical broker when connecting through a proxy', async () => {
    await ready({
      logicalAddress: 'pulsar://broker-7.internal:6650',
      physicalAddress: broker.url,
      identity: {
        originalPrincipal: 'alice',
        originalAuthData: 'tok',
        originalAuthMethod: 'token',
      },
    });
    const connect = broker.received[0]?.connect;
    assert.equal(connect?.proxyToBrokerUrl, 'broker-7.internal:6650');
    assert.equal(connect.originalPrincipal, 'alice');
    assert.equal(connect.originalAuthData, 'tok');
    assert.equal(connect.originalAuthMethod, 'token');
  });

  it('answers an AUTH_CHALLENGE sent in place of CONNECTED with fresh credentials', async () => {
    let n = 0;
    const auth = new TokenAuth(() => `jwt-${++n}`);
    broker.on('CONNECT', (_cmd, conn) => {
      conn.send({
        type: CommandType.AUTH_CHALLENGE,
        authChallenge: {
          serverVersion: 'fake',
          challenge: { authMethodName: 'token', authData: Buffer.from('refresh') },
        },
      });
    });
    broker.on('AUTH_RESPONSE', (_cmd, conn) => {
      conn.send(connectedCommand());
    });
    const c = await ready({ auth });
    assert.equal(c.state, 'ready');
    const response = (await broker.waitForType('AUTH_RESPONSE')).authResponse;
    assert.equal(response?.response?.authMethodName, 'token');
    assert.equal(Buffer.from(response.response.authData ?? []).toString(), 'jwt-2');
  });

  it('answers an auth-refresh challenge on a ready connection', async () => {
    const c = await ready({ auth: new TokenAuth('jwt') });
    broker.connections[0]?.send({
      type: CommandType.AUTH_CHALLENGE,
      authChallenge: { challenge: { authMethodName: 'token', authData: Buffer.from('refresh') } },
    });
    await broker.waitForType('AUTH_RESPONSE');
    assert.equal(c.state, 'ready');
  });

  it('rejects with the mapped error when the broker refuses CONNECT', async () => {
    broker.on('CONNECT', (_cmd, conn) => {
      conn.send(errorCommand(0n, ServerError.AuthenticationError, 'bad token'));
      conn.socket.end();
    });
    const c = open({ auth: new TokenAuth('nope') });
    await assert.rejects(c.connect(), { code: 'PULSAR_ERR_AUTHENTICATION', retryable: false });
    assert.equal(c.state, 'closed');
  });

  it('rejects with PULSAR_ERR_AUTHENTICATION when the auth provider fails', async () => {
    const c = open({ auth: new TokenAuth(() => Promise.reject(new Error('vault down'))) });
    await assert.rejects(c.connect(), { code: 'PULSAR_ERR_AUTHENTICATION' });
  });

  it('times out a handshake the broker never answers', async () => {
    broker.on('CONNECT', undefined);
    const c = open({ connectionTimeoutMs: 5_000 });
    const connecting = c.connect();
    await broker.waitForType('CONNECT');
    clock.advance(5_000);
    await assert.rejects(connecting, { code: 'PULSAR_ERR_TIMEOUT', retryable: true });
    assert.equal(c.state, 'closed');
  });

  it('reports a refused connection as PULSAR_ERR_CONNECT_FAILED', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((r) =>
      server.close(() => {
        r();
      }),
    );
    const c = open({ logicalAddress: `pulsar://127.0.0.1:${port}` });
    await assert.rejects(c.connect(), { code: 'PULSAR_ERR_CONNECT_FAILED', retryable: true });
  });

  it('shares one attempt between concurrent connect() calls', async () => {
    const c = open();
    await Promise.all([c.connect(), c.connect()]);
    assert.equal(broker.connections.length, 1);
  });

  it('refuses requests before the handshake', async () => {
    const c = open();
    await assert.rejects(lookup(c), { code: 'PULSAR_ERR_NOT_CONNECTED' });
    await assert.rejects(c.send(Buffer.alloc(1)), { code: 'PULSAR_ERR_NOT_CONNECTED' });
  });
});

describe('Connection requests', () => {
  it('correlates concurrent responses by request id, in any order', async () => {
    const held: { id: bigint; send: () => void }[] = [];
    broker.on('LOOKUP', (cmd, conn) => {
      const { requestId, topic } = cmd.lookupTopic!;
      held.push({
        id: requestId,
        send: () => {
          conn.send(
            lookupResponse(requestId, {
              response: LookupType.Connect,
              brokerServiceUrl: `pulsar://${topic.slice(-1)}:1`,
            }),
          );
        },
      });
      if (held.length === 2) for (const h of held.reverse()) h.send();
    });
    const c = await ready();
    const [a, b] = await Promise.all([lookup(c, 'topic-a'), lookup(c, 'topic-b')]);
    assert.equal(a.lookupTopicResponse?.brokerServiceUrl, 'pulsar://a:1');
    assert.equal(b.lookupTopicResponse?.brokerServiceUrl, 'pulsar://b:1');
    assert.equal(c.pendingRequests, 0);
  });

  it('rejects ERROR responses with the mapped code', async () => {
    broker.on('PRODUCER', (cmd, conn) => {
      conn.send(errorCommand(cmd.producer!.requestId, ServerError.ProducerBusy, 'busy'));
    });
    const c = await ready();
    await assert.rejects(
      c.sendRequest(producerCommand({ topic: 't', producerId: 1n, requestId: c.newRequestId() })),
      { code: 'PULSAR_ERR_PRODUCER_BUSY', serverError: ServerError.ProducerBusy },
    );
  });

  it('rejects failed lookups and partitioned-metadata responses', async () => {
    broker.on('LOOKUP', (cmd, conn) => {
      conn.send(
        lookupResponse(cmd.lookupTopic!.requestId, {
          response: LookupType.Failed,
          error: ServerError.ServiceNotReady,
          message: 'loading',
        }),
      );
    });
    broker.on('PARTITIONED_METADATA', (cmd, conn) => {
      conn.send({
        type: CommandType.PARTITIONED_METADATA_RESPONSE,
        partitionedMetadataResponse: {
          requestId: cmd.partitionedMetadata!.requestId,
          response: 1,
          error: ServerError.TopicNotFound,
        },
      });
    });
    const c = await ready();
    await assert.rejects(lookup(c), { code: 'PULSAR_ERR_SERVICE_NOT_READY', retryable: true });
    await assert.rejects(c.sendRequest(partitionedMetadataCommand('t', c.newRequestId())), {
      code: 'PULSAR_ERR_NOT_FOUND',
    });
  });

  it('times out a request and ignores the late response', async () => {
    const held: (() => void)[] = [];
    broker.on('LOOKUP', (cmd, conn) => {
      held.push(() => {
        conn.send(lookupResponse(cmd.lookupTopic!.requestId, { response: LookupType.Connect }));
      });
    });
    const c = await ready({ operationTimeoutMs: 1_000 });
    const pending = lookup(c);
    await broker.waitForType('LOOKUP');
    clock.advance(999);
    assert.equal(c.pendingRequests, 1);
    clock.advance(1);
    await assert.rejects(pending, { code: 'PULSAR_ERR_TIMEOUT', retryable: true });
    assert.equal(c.pendingRequests, 0);
    held[0]?.();
    // The connection survives the stray response.
    broker.on('LOOKUP', (cmd, conn) => {
      conn.send(lookupResponse(cmd.lookupTopic!.requestId, { response: LookupType.Connect }));
    });
    await lookup(c);
    assert.equal(c.state, 'ready');
  });

  it('honours a per-request timeout override', async () => {
    broker.on('LOOKUP', undefined);
    const c = await ready({ operationTimeoutMs: 60_000 });
    const pending = c.sendRequest(lookupCommand({ topic: 't', requestId: c.newRequestId() }), {
      timeoutMs: 10,
    });
    await broker.waitForType('LOOKUP');
    clock.advance(10);
    await assert.rejects(pending, { code: 'PULSAR_ERR_TIMEOUT' });
  });

  it('rejects a pending request, without leaking it, when the broker drops the socket', async () => {
    broker.on('LOOKUP', (_cmd, conn) => {
      conn.destroy();
    });
    const c = await ready();
    const producer = recordingProducer();
    c.registerProducer(9n, producer);
    let closeReason: PulsarError | undefined;
    c.onClose((err) => (closeReason = err));
    await assert.rejects(lookup(c), { code: 'PULSAR_ERR_CONNECTION_CLOSED', retryable: true });
    assert.equal(c.pendingRequests, 0);
    assert.equal(c.state, 'closed');
    assert.equal(closeReason?.code, 'PULSAR_ERR_CONNECTION_CLOSED');
    assert.deepEqual(producer.events, ['connection-closed']);
    assert.equal(producer.closedWith?.retryable, true);
    assert.equal(clock.pending, 0, 'request and keep-alive timers are cleared');
  });

  it('keeps waiting without a timeout on PRODUCER_SUCCESS with producer_ready = false', async () => {
    let second: (() => void) | undefined;
    broker.on('PRODUCER', (cmd, conn) => {
      const requestId = cmd.producer!.requestId;
      conn.send({
        type: CommandType.PRODUCER_SUCCESS,
        producerSuccess: { requestId, producerName: 'p', producerReady: false },
      });
      second = () => {
        conn.send({
          type: CommandType.PRODUCER_SUCCESS,
          producerSuccess: { requestId, producerName: 'p' },
        });
      };
    });
    const c = await ready({ operationTimeoutMs: 1_000 });
    let waiting = 0;
    const created = c.sendRequest(
      producerCommand({
        topic: 't',
        producerId: 1n,
        requestId: c.newRequestId(),
        producerAccessMode: 2,
      }),
      { onProducerWaiting: () => waiting++ },
    );
    await eventually(
      () => {
        assert.equal(waiting, 1);
      },
      5_000,
      5,
    );
    clock.advance(10_000);
    second?.();
    const response = await created;
    assert.equal(response.producerSuccess?.producerName, 'p');
  });
});

describe('Connection keep-alive', () => {
  it('answers broker PINGs with PONG', async () => {
    await ready();
    const pongs = (): number =>
      broker.connections[0]!.received.filter((c) => c.type === CommandType.PONG).length;
    broker.connections[0]?.send({ type: CommandType.PING, ping: {} });
    await eventually(
      () => {
        assert.equal(pongs(), 1);
      },
      5_000,
      5,
    );
  });

  it('pings every interval and closes a connection that stays silent for two', async () => {
    broker.on('PING', undefined);
    const c = await ready({ keepAliveIntervalMs: 30_000 });
    const producer = recordingProducer();
    c.registerProducer(1n, producer);
    clock.advance(30_000);
    await broker.waitForType('PING');
    assert.equal(c.state, 'ready');
    clock.advance(30_000);
    assert.equal(c.state, 'closed');
    assert.equal(c.closeError?.code, 'PULSAR_ERR_CONNECTION_CLOSED');
    assert.match(c.closeError.message, /no data/);
    assert.deepEqual(producer.events, ['connection-closed']);
  });

  it('stays up while the broker answers pings', async () => {
    const c = await ready({ keepAliveIntervalMs: 30_000 });
    for (let i = 1; i <= 5; i++) {
      clock.advance(30_000);
      await eventually(
        () => {
          assert.equal(broker.received.filter((x) => x.type === CommandType.PING).length, i);
        },
        5_000,
        5,
      );
      // The PONG must arrive (and refresh lastDataReceived) before the next tick.
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(c.state, 'ready');
  });
});

describe('Connection fault tolerance', () => {
  it('closes on garbage bytes with a typed error instead of crashing', async () => {
    broker.on('LOOKUP', (_cmd, conn) => {
      conn.sendRaw(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    const c = await ready();
    await assert.rejects(lookup(c), (err: PulsarError) => {
      assert.equal(err.code, 'PULSAR_ERR_CONNECTION_CLOSED');
      assert.equal((err.cause as PulsarError).code, 'PULSAR_ERR_FRAME_TOO_LARGE');
      return true;
    });
    assert.equal(c.closeError?.code, 'PULSAR_ERR_FRAME_TOO_LARGE');
  });

  it('enforces the max frame size announced in CONNECTED', async () => {
    await broker.close();
    broker = await FakeBroker.start({ maxMessageSize: 1024 });
    const c = await ready();
    assert.equal(c.maxMessageSize, 1024);
    const header = Buffer.alloc(8);
    header.writeUInt32BE(1024 + 10 * 1024 + 100, 0);
    broker.connections[0]?.sendRaw(header);
    await eventually(
      () => {
        assert.equal(c.state, 'closed');
      },
      5_000,
      5,
    );
    assert.equal(c.closeError?.code, 'PULSAR_ERR_FRAME_TOO_LARGE');
  });

  it('closes on an undecodable command', async () => {
    const c = await ready();
    broker.connections[0]?.sendRaw(Buffer.from('0000000600000002ffff', 'hex'));
    await eventually(
      () => {
        assert.equal(c.state, 'closed');
      },
      5_000,
      5,
    );
    assert.equal(c.closeError?.code, 'PULSAR_ERR_PROTOCOL');
  });

  it('ignores command types it does not know', async () => {
    const c = await ready();
    broker.connections[0]?.send({ type: 64 }); // WATCH_TOPIC_LIST, not implemented
    await lookup(c);
    assert.equal(c.state, 'ready');
  });

  it('survives a listener that throws', async () => {
    const c = await ready();
    const throwing = recordingProducer();
    throwing.onSendReceipt = () => {
      throw new Error('listener bug');
    };
    c.registerProducer(1n, throwing);
    await c.sendPayloadCommand(
      sendCommand({ producerId: 1n, sequenceId: 0n }),
      { producerName: 'p', sequenceId: 0n, publishTime: 1n },
      Buffer.from('x'),
    );
    await broker.waitForType('SEND');
    await lookup(c);
    assert.equal(c.state, 'ready');
  });
});

describe('Connection listeners', () => {
  it('routes SEND_RECEIPT, SEND_ERROR and CLOSE_PRODUCER by producer id', async () => {
    const c = await ready();
    const p1 = recordingProducer();
    const p2 = recordingProducer();
    c.registerProducer(1n, p1);
    c.registerProducer(2n, p2);
    await c.sendPayloadCommand(
      sendCommand({ producerId: 2n, sequenceId: 5n }),
      { producerName: 'p', sequenceId: 5n, publishTime: 1n },
      Buffer.from('x'),
    );
    const conn = broker.connections[0]!;
    conn.send({
      type: CommandType.SEND_ERROR,
      sendError: {
        producerId: 1n,
        sequenceId: 3n,
        error: ServerError.ChecksumError,
        message: 'crc',
      },
    });
    conn.send({
      type: CommandType.CLOSE_PRODUCER,
      closeProducer: {
        producerId: 1n,
        requestId: 77n,
        assignedBrokerServiceUrl: 'pulsar://b2:6650',
      },
    });
    await eventually(
      () => {
        assert.deepEqual(p2.events, ['receipt:5']);
        assert.deepEqual(p1.events, ['error:3:9', 'close:pulsar://b2:6650']);
      },
      5_000,
      5,
    );
    const sent = broker.connections[0]!.frames.find((f) => f.command.type === CommandType.SEND);
    assert.equal(sent?.payload?.checksum, 'valid');
    // CLOSE_PRODUCER unregistered p1: a later receipt for id 1 goes nowhere.
    conn.send({ type: CommandType.SEND_RECEIPT, sendReceipt: { producerId: 1n, sequenceId: 4n } });
    await lookup(c);
    assert.equal(p1.events.length, 2);
  });

  it('routes MESSAGE and consumer notices by consumer id', async () => {
    const c = await ready();
    const consumer = recordingConsumer();
    c.registerConsumer(7n, consumer);
    const conn = broker.connections[0]!;
    const message: BaseCommand = {
      type: CommandType.MESSAGE,
      message: { consumerId: 7n, messageId: { ledgerId: 3n, entryId: 4n }, redeliveryCount: 1 },
    };
    conn.sendPayload(
      message,
      { producerName: 'p', sequenceId: 1n, publishTime: 2n },
      Buffer.from('hello'),
      {
        brokerEntryMetadata: Buffer.from('0805', 'hex'),
      },
    );
    conn.send({
      type: CommandType.ACTIVE_CONSUMER_CHANGE,
      activeConsumerChange: { consumerId: 7n, isActive: true },
    });
    conn.send({ type: CommandType.REACHED_END_OF_TOPIC, reachedEndOfTopic: { consumerId: 7n } });
    conn.send({
      type: CommandType.CLOSE_CONSUMER,
      closeConsumer: { consumerId: 7n, requestId: 1n },
    });
    await eventually(
      () => {
        assert.deepEqual(consumer.events, ['active:true', 'end-of-topic', 'close']);
      },
      5_000,
      5,
    );
    const [m] = consumer.messages;
    assert.equal(m?.error, undefined);
    assert.equal(m?.payload.toString(), 'hello');
    assert.equal(m.metadata?.producerName, 'p');
    assert.equal(m.command.redeliveryCount, 1);
    assert.deepEqual(m.brokerEntryMetadata, { brokerTimestamp: 5n });
  });

  it('hands a message with a bad checksum to the consumer as PULSAR_ERR_CHECKSUM', async () => {
    const c = await ready();
    const consumer = recordingConsumer();
    c.registerConsumer(1n, consumer);
    const frame = Buffer.from(
      encodePayloadFrame(
        {
          type: CommandType.MESSAGE,
          message: { consumerId: 1n, messageId: { ledgerId: 1n, entryId: 1n } },
        },
        { producerName: 'p', sequenceId: 1n, publishTime: 2n },
        Buffer.from('payload'),
      ),
    );
    const last = frame.length - 1;
    frame.writeUInt8(frame.readUInt8(last) ^ 0xff, last);
    broker.connections[0]?.sendRaw(frame);
    await eventually(
      () => {
        assert.equal(consumer.messages.length, 1);
      },
      5_000,
      5,
    );
    assert.equal(consumer.messages[0]?.error?.code, 'PULSAR_ERR_CHECKSUM');
    assert.equal(c.state, 'ready');
  });

  it('routes TOPIC_MIGRATED by resource type and unregisters the resource', async () => {
    const c = await ready();
    const producer = recordingProducer();
    const consumer = recordingConsumer();
    c.registerProducer(1n, producer);
    c.registerConsumer(1n, consumer);
    broker.connections[0]?.send({
      type: CommandType.TOPIC_MIGRATED,
      topicMigrated: {
        resourceId: 1n,
        resourceType: TopicMigratedResourceType.Producer,
        brokerServiceUrl: 'pulsar://green:6650',
      },
    });
    await eventually(
      () => {
        assert.deepEqual(producer.events, ['migrated:pulsar://green:6650']);
      },
      5_000,
      5,
    );
    assert.deepEqual(consumer.events, []);
  });

  it('notifies consumers and close listeners when closed locally', async () => {
    const c = await ready();
    const consumer = recordingConsumer();
    c.registerConsumer(1n, consumer);
    const reasons: string[] = [];
    c.onClose((err) => reasons.push(err.code));
    await c.close();
    assert.deepEqual(consumer.events, ['connection-closed']);
    assert.deepEqual(reasons, ['PULSAR_ERR_CONNECTION_CLOSED']);
    assert.throws(
      () => {
        c.registerConsumer(2n, consumer);
      },
      { code: 'PULSAR_ERR_NOT_CONNECTED' },
    );
  });
});

describe('Connection backpressure', () => {
  it('resolves send() only after the socket drains', async () => {
    const c = await ready();
    const conn = broker.connections[0]!;
    conn.socket.pause();
    const frame = encodePayloadFrame(
      sendCommand({ producerId: 99n, sequenceId: 0n }),
      { producerName: 'p', sequenceId: 0n, publishTime: 1n },
      Buffer.alloc(1024 * 1024),
    );
    const sends: Promise<void>[] = [];
    // At least 16 MiB, well above loopback's socket buffers: the connection corks its socket for
    // a tick, so write() reports a full buffer before any byte reached the kernel.
    for (let i = 0; i < 64 && (i < 16 || c.writable); i++) sends.push(c.send(frame));
    assert.equal(c.writable, false, 'socket buffer should fill while the peer is paused');
    let settled = false;
    const all = Promise.all(sends).then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(settled, false);
    conn.socket.resume();
    await all;
    assert.equal(settled, true);
    assert.equal(c.state, 'ready');
  });
});
