/**
 * JWT mode at the gateway (HS256 key file: good token passes by header, query and subprotocol;
 * bad or missing → 401; expiry mid-session → close 1008, compatibility A2) and the graceful
 * drain (in-flight publishes answered, sessions closed with 1001, new upgrades 503, /readyz 503).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { uniqueName } from '../../helpers/test-env.ts';
import { closeWs, openWs, upgradeStatus } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';
import { startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('gateway JWT authentication', () => {
  const secret = randomBytes(32);
  let dir: string;
  let gw: TestGateway;
  const sign = (expSeconds: number, key: Uint8Array = secret): Promise<string> =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds)
      .sign(key);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-jwt-'));
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, secret);
    gw = await startGateway([
      '--auth.mode=jwt',
      `--auth.jwt.keyFile=${keyFile}`,
      '--auth.jwt.algorithm=HS256',
    ]);
  });
  after(async () => {
    await gw.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a good token by header, query and subprotocol; refuses bad ones with 401', async () => {
    const url = `${gw.url}/ws/v2/producer/persistent/public/default/${uniqueName('jwt')}`;
    const token = await sign(600);
    assert.equal(await upgradeStatus(url, { headers: { Authorization: `Bearer ${token}` } }), 101);
    assert.equal(await upgradeStatus(`${url}?token=${token}`), 101);
    const ws = await openWs(url, ['pulsar', `bearer.${token}`] as never);
    assert.equal(ws.protocol, 'pulsar');
    await closeWs(ws);
    assert.equal(await upgradeStatus(url), 401);
    assert.equal(await upgradeStatus(`${url}?token=${await sign(600, randomBytes(32))}`), 401);
    assert.equal(await upgradeStatus(`${url}?token=${await sign(-10)}`), 401);
    assert.equal(await upgradeStatus(url, { headers: { Authorization: 'Basic abc' } }), 401);
    const metrics = await (await fetch(`${gw.opsUrl}/metrics`)).text();
    assert.match(metrics, /pulsar_ws_gateway_auth_failures_total\{reason="expired"\} 1/);
    assert.match(metrics, /pulsar_ws_gateway_upgrade_failures_total\{status="401"\} 4/);
    assert.doesNotMatch(metrics, new RegExp(token));
  });

  it('closes the session with 1008 when the token expires', async () => {
    const token = await sign(2);
    const ws = await openWs(
      `${gw.url}/ws/v2/consumer/persistent/public/default/${uniqueName('jwt-exp')}/sub?token=${token}`,
    );
    const code = await new Promise<number>((resolve) =>
      ws.once('close', (c) => {
        resolve(c);
      }),
    );
    assert.equal(code, 1008);
  });
});

describe('gateway graceful drain', () => {
  it('answers in-flight publishes, closes sessions with 1001 and refuses new upgrades', async () => {
    const gw = await startGateway(['--shutdown.drainTimeoutSeconds=10']);
    const topic = uniqueName('drain');
    const url = `${gw.url}/ws/v2/producer/persistent/public/default/${topic}`;
    const consumer = await openWs(`${gw.url}/ws/v2/consumer/persistent/public/default/${topic}/s`);
    const producer = await openWs(url);
    const q = new WsQueue(producer);
    const closes = [producer, consumer].map(
      (ws) =>
        new Promise<number>((resolve) =>
          ws.once('close', (c) => {
            resolve(c);
          }),
        ),
    );
    const n = 200;
    for (let i = 0; i < n; i++)
      producer.send(JSON.stringify({ payload: b64(`d${i}`), context: String(i) }));
    // Let the frames reach the gateway, then drain while sends are in flight.
    await new Promise((r) => setTimeout(r, 20));
    const drained = gw.server.drain();
    assert.equal((await fetch(`${gw.opsUrl}/readyz`)).status, 503);
    assert.equal(await upgradeStatus(url), 503);
    await drained;
    const answers = new Set<string>();
    for (;;) {
      try {
        const a = await q.next(500);
        assert.match(String(a['result']), /^(ok|send-error:8)$/);
        answers.add(String(a['context']));
      } catch {
        break;
      }
    }
    // Every publish the gateway read got exactly one answer; frames it never read get none.
    assert.ok(answers.size > 0);
    assert.deepEqual(await Promise.all(closes), [1001, 1001]);
    await gw.close();
  });
});
