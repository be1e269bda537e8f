/**
 * Gateway limits (issue 4, Security): maximum connections (503), allowed origins (403), maximum
 * frame size (1009), idle timeout (1001), server pings, and the metrics they leave behind; a slow
 * consumer (socket not read) stops delivery and is closed with 1013 after
 * `websocket.slowClientTimeoutSeconds`, losing nothing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { eventually } from '../../helpers/eventually.ts';
import { uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs, upgradeStatus } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';
import { startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

const closeCode = (ws: WebSocket): Promise<number> =>
  new Promise((resolve) =>
    ws.once('close', (c) => {
      resolve(c);
    }),
  );

describe('gateway limits', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway([
      '--websocket.maxConnections=2',
      '--websocket.allowedOrigins=https://app.example.com,https://*.example.org',
      '--websocket.maxFrameSizeBytes=1024',
      '--websocket.idleTimeoutSeconds=2',
      '--websocket.pingIntervalSeconds=1',
    ]);
  });
  after(async () => {
    await gw.close();
  });

  const url = (): string =>
    `${gw.url}/ws/v2/producer/persistent/public/default/${uniqueName('limits')}`;

  it('checks Origin against the allow-list', async () => {
    assert.equal(
      await upgradeStatus(url(), { headers: { Origin: 'https://app.example.com' } }),
      101,
    );
    assert.equal(await upgradeStatus(url(), { headers: { Origin: 'https://x.example.org' } }), 101);
    assert.equal(
      await upgradeStatus(url(), { headers: { Origin: 'https://evil.example.net' } }),
      403,
    );
  });

  it('refuses upgrades beyond maxConnections with 503', async () => {
    const a = await openWs(url());
    const b = await openWs(url());
    assert.equal(await upgradeStatus(url()), 503);
    await closeWs(a);
    await closeWs(b);
    assert.equal(await upgradeStatus(url()), 101);
  });

  it('closes with 1009 on a frame above maxFrameSizeBytes', async () => {
    const ws = await openWs(url());
    const closed = closeCode(ws);
    ws.send('x'.repeat(2000));
    assert.equal(await closed, 1009);
  });

  it('pings clients and closes idle sessions with 1001 (a peer that never answers pings)', async () => {
    const ws = await openWs(url(), { autoPong: false });
    let pings = 0;
    ws.on('ping', () => {
      pings++;
    });
    const code = await closeCode(ws);
    assert.ok(pings >= 1, 'server pinged');
    // Without pongs the session is either idle (1001) or terminated as dead (1006).
    assert.ok(code === 1001 || code === 1006, `close ${code}`);
    const metrics = await (await fetch(`${gw.opsUrl}/metrics`)).text();
    assert.match(metrics, /pulsar_ws_gateway_upgrade_failures_total\{status="503"\} 1/);
    assert.match(
      metrics,
      /pulsar_ws_gateway_connections_closed_total\{endpoint="producer",code="1009"\} 1/,
    );
  });

  it('keeps a session that answers pings past the idle timeout only while frames flow', async () => {
    const ws = await openWs(url());
    const closed = closeCode(ws);
    await new Promise((r) => setTimeout(r, 3500));
    // Pongs count as frames (compatibility L6), so the session is still open.
    assert.equal(ws.readyState, ws.OPEN);
    await closeWs(ws);
    assert.equal(await closed, 1005);
  });
});

describe('slow clients', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway([
      '--websocket.maxBufferedBytesPerSession=1024',
      '--websocket.slowClientTimeoutSeconds=1',
    ]);
  });
  after(async () => {
    await gw.close();
  });

  const counter = async (
    c:
      | TestGateway['server']['metrics']['messagesSent']
      | TestGateway['server']['metrics']['slowClientDisconnects'],
    endpoint?: string,
  ): Promise<number> =>
    (await c.get()).values
      .filter((v) => endpoint === undefined || v.labels['endpoint'] === endpoint)
      .reduce((a, v) => a + v.value, 0);

  it('stops delivering to a consumer that does not read, closes it with 1013, loses nothing', async () => {
    const topic = uniqueName('slow');
    const base = `${gw.url}/ws/v2`;
    const path = `persistent/public/default/${topic}`;
    // 24 incompressible 512 KiB messages: ~17 MB of JSON, well over what the loopback socket
    // buffers of a reader that never reads hold.
    const count = 24;
    const prod = await openWs(`${base}/producer/${path}`);
    for (let i = 0; i < count; i++) {
      prod.send(
        JSON.stringify({ payload: randomBytes(512 * 1024).toString('base64'), context: String(i) }),
      );
      assert.equal((await nextJson(prod, 60_000))['result'], 'ok');
    }
    await closeWs(prod);
    const before = await counter(gw.server.metrics.messagesSent, 'consumer');
    const slow = new WebSocket(`${base}/consumer/${path}/sub?subscriptionInitialPosition=Earliest`);
    // Never read: the TCP buffers fill and the gateway's socket buffer grows past its cap.
    // (`pause()` is a no-op before 'open'; frames already read by then are few and small.)
    slow.once('open', () => {
      slow.pause();
    });
    slow.on('error', () => undefined);
    await eventually(async () => {
      assert.equal(await counter(gw.server.metrics.slowClientDisconnects), 1);
    }, 60_000);
    // Delivery stopped early instead of queueing the whole backlog in the gateway.
    const pushed = (await counter(gw.server.metrics.messagesSent, 'consumer')) - before;
    assert.ok(pushed < count, `pushed ${String(pushed)} of ${String(count)} before the close`);
    slow.terminate();
    // The session's close is counted under the code the gateway sent once the socket is gone.
    await eventually(async () => {
      const closed = (await gw.server.metrics.connectionsClosed.get()).values.find(
        (v) => v.labels['endpoint'] === 'consumer' && v.labels['code'] === '1013',
      );
      assert.equal(closed?.value, 1);
    });
    // Nothing was acked: a new consumer on the subscription gets every message.
    const fresh = new WebSocket(`${base}/consumer/${path}/sub`);
    const q = new WsQueue(fresh);
    await new Promise((resolve, reject) => {
      fresh.once('open', resolve);
      fresh.once('error', reject);
    });
    const ids = new Set<string>();
    while (ids.size < count) {
      const m = await q.next(60_000);
      ids.add(String(m['messageId']));
      fresh.send(JSON.stringify({ messageId: m['messageId'] }));
    }
    assert.equal(ids.size, count);
    await closeWs(fresh);
  });
});
