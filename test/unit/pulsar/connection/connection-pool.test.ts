import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '../../../../src/shared/index.ts';
import { ConnectionPool, poolKey } from '../../../../src/pulsar/connection/connection-pool.ts';
import { eventually } from '../../../helpers/eventually.ts';
import { FakeBroker } from '../../../helpers/fake-broker.ts';

let broker: FakeBroker;
let pool: ConnectionPool;

beforeEach(async () => {
  broker = await FakeBroker.start();
  pool = new ConnectionPool({ clock: new FakeClock() });
});

afterEach(async () => {
  await pool.close();
  await broker.close();
});

describe('ConnectionPool', () => {
  it('reuses a ready connection for the same key', async () => {
    const a = await pool.getConnection(broker.url);
    const b = await pool.getConnection(broker.url, broker.url);
    assert.equal(a, b);
    assert.equal(broker.connections.length, 1);
    assert.equal(pool.size, 1);
  });

  it('shares one attempt between concurrent callers', async () => {
    const [a, b] = await Promise.all([
      pool.getConnection(broker.url),
      pool.getConnection(broker.url),
    ]);
    assert.equal(a, b);
    assert.equal(broker.connections.length, 1);
  });

  it('keeps separate connections per forwarded principal and per logical broker', async () => {
    const plain = await pool.getConnection(broker.url);
    const alice = await pool.getConnection(broker.url, broker.url, { originalPrincipal: 'alice' });
    const alice2 = await pool.getConnection(broker.url, broker.url, {
      originalPrincipal: 'alice',
      originalAuthData: 'rotated-token',
    });
    const bob = await pool.getConnection(broker.url, broker.url, { originalPrincipal: 'bob' });
    const viaProxy = await pool.getConnection('pulsar://owner:6650', broker.url);
    assert.equal(alice, alice2);
    assert.equal(new Set([plain, alice, bob, viaProxy]).size, 4);
    assert.equal(broker.connections.length, 4);
    assert.equal(broker.received.filter((c) => c.connect?.originalPrincipal === 'bob').length, 1);
  });

  it('drops closed connections and opens a fresh one', async () => {
    const a = await pool.getConnection(broker.url);
    broker.connections[0]?.destroy();
    await eventually(
      () => {
        assert.equal(a.state, 'closed');
      },
      5_000,
      5,
    );
    assert.equal(pool.size, 0);
    const b = await pool.getConnection(broker.url);
    assert.notEqual(a, b);
    assert.equal(b.state, 'ready');
  });

  it('does not cache a failed attempt', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((r) =>
      server.close(() => {
        r();
      }),
    );
    await assert.rejects(pool.getConnection(`pulsar://127.0.0.1:${port}`), {
      code: 'PULSAR_ERR_CONNECT_FAILED',
    });
    assert.equal(pool.size, 0);
  });

  it('rejects bad addresses without throwing synchronously', async () => {
    await assert.rejects(pool.getConnection('http://x'), { code: 'PULSAR_ERR_INVALID_URL' });
  });

  it('closes every connection and refuses new ones afterwards', async () => {
    const a = await pool.getConnection(broker.url);
    const b = await pool.getConnection(broker.url, broker.url, { originalPrincipal: 'x' });
    await pool.close();
    assert.equal(a.state, 'closed');
    assert.equal(b.state, 'closed');
    await assert.rejects(pool.getConnection(broker.url), { code: 'PULSAR_ERR_CLOSED' });
  });

  it('normalises keys', () => {
    assert.equal(poolKey('pulsar://h', 'pulsar://h:6650'), 'pulsar://h:6650|pulsar://h:6650|');
  });
});
