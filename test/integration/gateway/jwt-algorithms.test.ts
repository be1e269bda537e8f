/**
 * JWT mode with asymmetric keys, end to end against the real broker (compatibility M2, A3):
 * RS256 and ES256 PEM public keys, issuer/audience checks, and the attacks a verifier must
 * refuse (another key, expiry, `alg: none`, HS256 keyed with the public key, a tampered
 * payload). Accepted tokens must round-trip a message producer → broker → consumer; refused
 * ones get what the reference proxy answers for a failed authentication: HTTP 401 with the
 * message `Failed to authenticate` (pulsar-websocket-api.md §3.2), with the failure reason
 * counted in `pulsar_ws_gateway_auth_failures_total`. One gateway per key configuration.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, UnsecuredJWT } from 'jose';
import WebSocket from 'ws';
import { uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';
import { startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const nowSec = (): number => Math.floor(Date.now() / 1000);

/** How a token reaches the gateway (§9.1: header, or `?token=` with an optional prefix). */
type Carrier = 'header' | 'query' | 'query-bearer';

function withToken(url: string, token: string, via: Carrier): [string, WebSocket.ClientOptions] {
  if (via === 'header') return [url, { headers: { Authorization: `Bearer ${token}` } }];
  const value = via === 'query' ? token : `Bearer ${token}`;
  return [`${url}?token=${encodeURIComponent(value)}`, {}];
}

interface Refusal {
  status: number;
  statusMessage: string;
  body: string;
}

/** The HTTP answer to an upgrade the gateway refuses; rejects when the upgrade is accepted. */
function refusal(url: string, options: WebSocket.ClientOptions = {}): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('error', reject);
    ws.once('open', () => {
      ws.close();
      reject(new Error('upgrade accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          body: Buffer.concat(chunks).toString('utf8'),
        });
        ws.terminate();
      });
    });
  });
}

/** Asserts the reference's answer to a token that fails verification. */
async function assertRefused(
  gw: TestGateway,
  token: string,
  via: Carrier = 'header',
  endpoint: 'producer' | 'consumer' = 'producer',
): Promise<void> {
  const topic = `persistent/public/default/${uniqueName('jwt-no')}`;
  const path = endpoint === 'producer' ? `producer/${topic}` : `consumer/${topic}/sub`;
  const r = await refusal(...withToken(`${gw.url}/ws/v2/${path}`, token, via));
  assert.deepEqual(r, {
    status: 401,
    statusMessage: 'Unauthorized',
    body: 'Failed to authenticate',
  });
}

/**
 * A consumer and a producer authenticated with the given tokens; one message must travel
 * through the broker from one to the other.
 */
async function assertRoundTrip(
  gw: TestGateway,
  producerToken: string,
  consumerToken: string,
  producerVia: Carrier = 'header',
  consumerVia: Carrier = 'header',
): Promise<void> {
  const topic = `persistent/public/default/${uniqueName('jwt-rt')}`;
  const consumer = await openWs(
    ...withToken(`${gw.url}/ws/v2/consumer/${topic}/sub`, consumerToken, consumerVia),
  );
  try {
    const q = new WsQueue(consumer);
    const producer = await openWs(
      ...withToken(`${gw.url}/ws/v2/producer/${topic}`, producerToken, producerVia),
    );
    try {
      const payload = b64(`hello ${topic}`);
      producer.send(JSON.stringify({ payload, context: 'c1' }));
      const ack = await nextJson(producer);
      assert.equal(ack['result'], 'ok');
      const msg = await q.next();
      assert.equal(msg['payload'], payload);
      assert.equal(msg['messageId'], ack['messageId']);
      consumer.send(JSON.stringify({ messageId: msg['messageId'] }));
    } finally {
      await closeWs(producer);
    }
  } finally {
    await closeWs(consumer);
  }
}

/** `pulsar_ws_gateway_auth_failures_total` by reason (reasons never counted are absent). */
async function authFailures(gw: TestGateway): Promise<Record<string, number>> {
  const text = await (await fetch(`${gw.opsUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(
    /^pulsar_ws_gateway_auth_failures_total\{reason="(\w+)"\} (\d+)$/gm,
  )) {
    const n = Number(m[2]);
    if (n > 0) out[m[1]!] = n;
  }
  return out;
}

function sign(
  key: KeyObject | Uint8Array,
  alg: string,
  claims: Record<string, unknown> = {},
  expSec = 600,
): Promise<string> {
  return new SignJWT({ sub: 'alice', ...claims })
    .setProtectedHeader({ alg })
    .setIssuedAt()
    .setExpirationTime(nowSec() + expSec)
    .sign(key);
}

const pemOf = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }) as string;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-jwt-alg-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts a gateway in JWT mode with `pem` as its key file and the given extra flags. */
async function jwtGateway(
  name: string,
  pem: string,
  flags: readonly string[],
): Promise<TestGateway> {
  const keyFile = join(dir, name);
  await writeFile(keyFile, pem);
  return startGateway(['--auth.mode=jwt', `--auth.jwt.keyFile=${keyFile}`, ...flags]);
}

describe('gateway JWT RS256 (PEM public key)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = pemOf(rsa.publicKey);
  let gw: TestGateway;
  before(async () => {
    gw = await jwtGateway('rsa.pem', pem, ['--auth.jwt.algorithm=RS256']);
  });
  after(async () => {
    await gw.close();
  });

  it('round-trips a message with valid tokens passed by header and by ?token=', async () => {
    const token = await sign(rsa.privateKey, 'RS256');
    await assertRoundTrip(gw, token, token, 'header', 'query');
    await assertRoundTrip(gw, token, token, 'query-bearer', 'header');
  });

  it('refuses another key, expiry, alg none and HS256 keyed with the public key with 401', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await assertRefused(gw, await sign(other.privateKey, 'RS256'));
    await assertRefused(gw, await sign(other.privateKey, 'RS256'), 'query', 'consumer');
    await assertRefused(gw, await sign(rsa.privateKey, 'RS256', {}, -60));
    await assertRefused(gw, new UnsecuredJWT({ sub: 'alice' }).setExpirationTime('10m').encode());
    await assertRefused(gw, await sign(Buffer.from(pem), 'HS256', { sub: 'admin' }));
    await assertRefused(gw, await sign(Buffer.from(pem), 'HS256', { sub: 'admin' }), 'query');
    assert.deepEqual(await authFailures(gw), {
      bad_signature: 2,
      expired: 1,
      wrong_algorithm: 3,
    });
  });
});

describe('gateway JWT with auth.jwt.algorithm left at its default and an RSA PEM key', () => {
  // The operator omits `algorithm` when the resource leaves it unset (the CRD says the gateway
  // infers it from the key); the key must then be used as RS256, never as an HMAC secret.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = pemOf(rsa.publicKey);
  let gw: TestGateway;
  before(async () => {
    gw = await jwtGateway('rsa-default.pem', pem, []);
  });
  after(async () => {
    await gw.close();
  });

  it('accepts RS256 tokens and refuses HS256 tokens signed with the public key', async () => {
    const token = await sign(rsa.privateKey, 'RS256');
    await assertRoundTrip(gw, token, token);
    await assertRefused(gw, await sign(Buffer.from(pem), 'HS256', { sub: 'admin' }));
    assert.deepEqual(await authFailures(gw), { wrong_algorithm: 1 });
  });
});

describe('gateway JWT ES256 (PEM public key)', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let gw: TestGateway;
  before(async () => {
    gw = await jwtGateway('ec.pem', pemOf(ec.publicKey), ['--auth.jwt.algorithm=ES256']);
  });
  after(async () => {
    await gw.close();
  });

  it('round-trips a message with a valid token', async () => {
    const token = await sign(ec.privateKey, 'ES256');
    await assertRoundTrip(gw, token, token, 'query', 'header');
  });

  it('refuses a token whose payload was changed after signing with 401', async () => {
    const [header, payload, signature] = (await sign(ec.privateKey, 'ES256')).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(claims['sub'], 'alice');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    await assertRefused(gw, `${header!}.${forged}.${signature!}`);
    await assertRefused(gw, `${header!}.${forged}.${signature!}`, 'query', 'consumer');
    assert.deepEqual(await authFailures(gw), { bad_signature: 2 });
  });
});

describe('gateway JWT issuer and audience checks (RS256)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const iss = 'https://idp.example.test/';
  let gw: TestGateway;
  before(async () => {
    gw = await jwtGateway('rsa-iss.pem', pemOf(rsa.publicKey), [
      '--auth.jwt.algorithm=RS256',
      `--auth.jwt.issuer=${iss}`,
      '--auth.jwt.audience=pulsar,pulsar-ws',
    ]);
  });
  after(async () => {
    await gw.close();
  });

  it('round-trips with matching iss and aud (a string or a list holding one accepted value)', async () => {
    const one = await sign(rsa.privateKey, 'RS256', { iss, aud: 'pulsar-ws' });
    const list = await sign(rsa.privateKey, 'RS256', { iss, aud: ['other', 'pulsar'] });
    await assertRoundTrip(gw, one, list, 'header', 'query');
  });

  it('refuses a wrong or missing iss and a wrong or missing aud with 401', async () => {
    await assertRefused(
      gw,
      await sign(rsa.privateKey, 'RS256', { iss: 'https://evil/', aud: 'pulsar' }),
    );
    await assertRefused(gw, await sign(rsa.privateKey, 'RS256', { aud: 'pulsar' }));
    await assertRefused(gw, await sign(rsa.privateKey, 'RS256', { iss, aud: 'kafka' }), 'query');
    await assertRefused(gw, await sign(rsa.privateKey, 'RS256', { iss }), 'header', 'consumer');
    assert.deepEqual(await authFailures(gw), { wrong_audience: 2, wrong_issuer: 2 });
  });
});
