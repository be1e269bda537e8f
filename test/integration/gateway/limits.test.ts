/**
 * Gateway limits (issue 4, Security): maximum connections (503), allowed origins (403), maximum
 * frame size (1009), idle timeout (1001), server pings, and the metrics they leave behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import { uniqueName } from '../../helpers/test-env.ts';
import { closeWs, openWs } from '../../helpers/ws-client.ts';
import { startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    await closeWs(await openWs(url, { headers }));
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? 0;
  }
}

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
    assert.equal(await status(url(), { Origin: 'https://app.example.com' }), 101);
    assert.equal(await status(url(), { Origin: 'https://x.example.org' }), 101);
    assert.equal(await status(url(), { Origin: 'https://evil.example.net' }), 403);
  });

  it('refuses upgrades beyond maxConnections with 503', async () => {
    const a = await openWs(url());
    const b = await openWs(url());
    assert.equal(await status(url()), 503);
    await closeWs(a);
    await closeWs(b);
    assert.equal(await status(url()), 101);
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
