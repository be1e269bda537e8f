import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FakeClock } from '../../../src/shared/index.ts';
import { PulsarClient, TokenAuth } from '../../../src/pulsar/index.ts';
import { eventually } from '../../helpers/eventually.ts';
import { FakeBroker } from '../../helpers/fake-broker.ts';

let broker: FakeBroker;
let client: PulsarClient;
let registry: Registry;

beforeEach(async () => {
  broker = await FakeBroker.start();
  registry = new Registry();
  client = new PulsarClient({
    serviceUrl: broker.url,
    auth: new TokenAuth('t0ken'),
    registry,
    clock: new FakeClock(),
  });
});

afterEach(async () => {
  await client.close();
  await broker.close();
});

describe('PulsarClient', () => {
  it('looks a topic up and hands out a pooled ready connection', async () => {
    const a = await client.getConnection('persistent://public/default/a');
    const b = await client.getConnection('b');
    assert.equal(a.connection, b.connection, 'both topics live on the one fake broker');
    assert.equal(a.logicalAddress, broker.url);
    assert.equal(a.connection.state, 'ready');
    assert.equal(broker.connections.length, 1);
    assert.equal(broker.received[0]?.connect?.authMethodName, 'token');
  });

  it('uses a separate connection per forwarded identity', async () => {
    const plain = await client.getConnection('a');
    const alice = await client.getConnection('a', { identity: { originalPrincipal: 'alice' } });
    assert.notEqual(plain.connection, alice.connection);
  });

  it('answers partition metadata and namespace listings', async () => {
    assert.equal(await client.getPartitionedTopicMetadata('a'), 0);
    assert.deepEqual(await client.getTopicsOfNamespace('public/default'), []);
  });

  it('allocates client-wide producer and consumer ids', () => {
    assert.equal(client.newProducerId(), 0n);
    assert.equal(client.newProducerId(), 1n);
    assert.equal(client.newConsumerId(), 0n);
  });

  it('exports connection metrics on the injected registry only', async () => {
    await client.getConnection('a');
    const text = await registry.metrics();
    assert.match(text, /pulsar_client_connections 1/);
    assert.match(text, /pulsar_client_connection_attempts_total\{result="success"\} 1/);
    assert.match(text, /pulsar_client_reconnects_total\{kind="producer"\} 0/);
    assert.match(text, /pulsar_client_produce_latency_seconds_bucket/);
    await client.close();
    await eventually(
      async () => {
        assert.match(await registry.metrics(), /pulsar_client_connections 0/);
      },
      5_000,
      5,
    );
  });

  it('refuses work after close', async () => {
    await client.close();
    await assert.rejects(client.lookup('a'), { code: 'PULSAR_ERR_CLOSED' });
    await assert.rejects(client.getConnection('a'), { code: 'PULSAR_ERR_CLOSED' });
    assert.equal(client.isClosed, true);
  });

  it('rejects a bad service URL at construction', () => {
    assert.throws(() => new PulsarClient({ serviceUrl: 'http://x' }), {
      code: 'PULSAR_ERR_INVALID_URL',
    });
  });

  it('works without a registry (no-op metrics)', async () => {
    const bare = new PulsarClient({ serviceUrl: broker.url });
    try {
      await bare.getConnection('a');
    } finally {
      await bare.close();
    }
  });
});
