import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '../../../../src/shared/index.ts';
import {
  Consumer,
  EARLIEST_MESSAGE_ID,
  MultiTopicConsumer,
  PulsarClient,
  Reader,
  deadLetterProducerFactory,
  type ForwardedIdentity,
} from '../../../../src/pulsar/index.ts';
import type { BaseCommand } from '../../../../src/pulsar/protocol/command-types.ts';
import { eventually } from '../../../helpers/eventually.ts';
import { FakeBroker, type FakeBrokerConnection } from '../../../helpers/fake-broker.ts';
import { installConsumerHandlers } from '../../../helpers/fake-broker-consumer.ts';

const ALICE: ForwardedIdentity = {
  originalPrincipal: 'alice',
  originalAuthData: 'alice-token',
  originalAuthMethod: 'token',
};

let broker: FakeBroker;
let client: PulsarClient;
let clock: FakeClock;

beforeEach(async () => {
  broker = await FakeBroker.start();
  installConsumerHandlers(broker);
  clock = new FakeClock();
  client = new PulsarClient({
    serviceUrl: broker.url,
    clock,
    keepAliveIntervalMs: 0,
  });
});

afterEach(async () => {
  await client.close();
  await broker.close();
});

function connectOf(conn: FakeBrokerConnection): NonNullable<BaseCommand['connect']> {
  const connect = conn.received[0]?.connect;
  assert.ok(connect !== undefined, 'the first command on a connection is CONNECT');
  return connect;
}

function connectionsWith(test: (c: BaseCommand) => boolean): FakeBrokerConnection[] {
  return broker.connections.filter((c) => c.received.some(test));
}

/** Every CONNECT the broker saw forwarded alice (lookups, SUBSCRIBE, reconnects alike). */
function assertAllForwardAlice(): void {
  assert.ok(broker.connections.length > 0);
  for (const conn of broker.connections) {
    const connect = connectOf(conn);
    assert.equal(connect.originalPrincipal, 'alice');
    assert.equal(connect.originalAuthData, 'alice-token');
    assert.equal(connect.originalAuthMethod, 'token');
  }
}

/** Drops the connection that carries SUBSCRIBE and waits for the consumer to resubscribe. */
async function dropAndResubscribe(): Promise<void> {
  const before = broker.received.filter((c) => c.subscribe !== undefined).length;
  for (const conn of connectionsWith((c) => c.subscribe !== undefined)) conn.destroy();
  await eventually(
    () => {
      clock.advance(200); // reconnect backoff
      assert.ok(broker.received.filter((c) => c.subscribe !== undefined).length > before);
    },
    5_000,
    10,
  );
  const subscribed = connectionsWith((c) => c.subscribe !== undefined);
  assert.ok(subscribed.length >= 2, 'the resubscribe went over a new connection');
}

describe('consumer and reader identity forwarding', () => {
  it('a consumer forwards the identity on CONNECT, also after a reconnect', async () => {
    const consumer = await Consumer.create(client, {
      topic: 'persistent://public/default/t',
      subscription: 'sub',
      identity: ALICE,
    });
    assert.equal(connectionsWith((c) => c.subscribe !== undefined).length, 1);
    assertAllForwardAlice();
    await dropAndResubscribe();
    assertAllForwardAlice();
    await consumer.close();
  });

  it('a consumer without identity forwards none', async () => {
    const consumer = await Consumer.create(client, {
      topic: 'persistent://public/default/t',
      subscription: 'sub',
    });
    for (const conn of broker.connections)
      assert.equal(connectOf(conn).originalPrincipal, undefined);
    await consumer.close();
  });

  it('a multi-topic consumer forwards the identity', async () => {
    const consumer = await MultiTopicConsumer.create(client, {
      topics: ['persistent://public/default/a', 'persistent://public/default/b'],
      subscription: 'sub',
      identity: ALICE,
    });
    assert.equal(broker.received.filter((c) => c.subscribe !== undefined).length, 2);
    assertAllForwardAlice();
    await consumer.close();
  });

  it('a reader forwards the identity on CONNECT, also after a reconnect', async () => {
    const reader = await Reader.create(client, {
      topic: 'persistent://public/default/t',
      startMessageId: EARLIEST_MESSAGE_ID,
      identity: ALICE,
    });
    assert.equal(connectionsWith((c) => c.subscribe !== undefined).length, 1);
    assertAllForwardAlice();
    await dropAndResubscribe();
    assertAllForwardAlice();
    await reader.close();
  });

  it('the dead-letter producer factory forwards the identity', async () => {
    const producer = await deadLetterProducerFactory(client, { identity: ALICE })(
      'persistent://public/default/t-sub-DLQ',
    );
    assert.equal(connectionsWith((c) => c.producer !== undefined).length, 1);
    assertAllForwardAlice();
    await producer.close();
  });
});
