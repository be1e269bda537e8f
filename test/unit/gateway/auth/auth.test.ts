import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { extractToken, selectSubprotocol } from '../../../../src/gateway/auth/extract-token.ts';
import {
  createJwtVerifier,
  keyFromBytes,
  loadJwtKey,
} from '../../../../src/gateway/auth/jwt-verifier.ts';
import { parseQueryString } from '../../../../src/gateway/routes/query-params.ts';

const req = (authorization?: string, query = '', protocols?: string) => ({
  authorization,
  protocols,
  query: parseQueryString(query),
});

describe('extractToken', () => {
  it('reads Authorization: Bearer, which must carry the prefix', () => {
    assert.deepEqual(extractToken(req('Bearer abc')), {
      kind: 'token',
      token: 'abc',
      source: 'header',
    });
    assert.deepEqual(extractToken(req('abc')), { kind: 'malformed', source: 'header' });
    assert.deepEqual(extractToken(req('Bearer ')), { kind: 'malformed', source: 'header' });
  });
  it('reads ?token= with an optional Bearer prefix, only without a header', () => {
    assert.deepEqual(extractToken(req(undefined, 'token=abc')), {
      kind: 'token',
      token: 'abc',
      source: 'query',
    });
    assert.deepEqual(extractToken(req(undefined, 'token=Bearer%20abc')), {
      kind: 'token',
      token: 'abc',
      source: 'query',
    });
    const both = extractToken(req('Bearer h', 'token=q'));
    assert.ok(both.kind === 'token' && both.token === 'h');
  });
  it('reads a subprotocol entry last', () => {
    assert.deepEqual(extractToken(req(undefined, '', 'pulsar, bearer.a.b.c')), {
      kind: 'token',
      token: 'a.b.c',
      source: 'subprotocol',
    });
    const b64 = Buffer.from('tok with spaces').toString('base64url');
    assert.deepEqual(extractToken(req(undefined, '', `base64url.bearer.${b64}`)), {
      kind: 'token',
      token: 'tok with spaces',
      source: 'subprotocol',
    });
    assert.deepEqual(extractToken(req(undefined, '', 'pulsar')), { kind: 'missing' });
    assert.deepEqual(extractToken(req()), { kind: 'missing' });
  });
  it('selects a non-token subprotocol', () => {
    assert.equal(selectSubprotocol(new Set(['bearer.x', 'pulsar'])), 'pulsar');
    assert.equal(selectSubprotocol(new Set(['bearer.x'])), false);
  });
});

const secret = Buffer.from('0123456789abcdef0123456789abcdef');

async function hs(claims: Record<string, unknown>, exp?: string | number): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
  if (exp !== undefined) jwt.setExpirationTime(exp);
  return jwt.sign(secret);
}

describe('createJwtVerifier', () => {
  const verify = createJwtVerifier({
    algorithm: 'HS256',
    key: createSecretKey(secret),
    issuer: 'me',
    audience: 'pulsar',
  });
  it('accepts a valid token and reports role and expiry', async () => {
    const r = await verify(await hs({ sub: 'alice', iss: 'me', aud: 'pulsar' }, '1h'));
    assert.ok(r.ok);
    assert.equal(r.value.principal, 'alice');
    assert.ok(r.value.expiresAt !== undefined && r.value.expiresAt > Date.now());
  });
  it('maps failures to bounded reasons', async () => {
    const cases: [string, string][] = [
      [
        await hs({ sub: 'a', iss: 'me', aud: 'pulsar' }, Math.floor(Date.now() / 1000) - 10),
        'expired',
      ],
      [await hs({ sub: 'a', iss: 'other', aud: 'pulsar' }), 'wrong_issuer'],
      [await hs({ sub: 'a', iss: 'me', aud: 'x' }), 'wrong_audience'],
      [await hs({ iss: 'me', aud: 'pulsar' }), 'no_role'],
      ['not.a.jwt', 'malformed'],
      [(await hs({ sub: 'a', iss: 'me', aud: 'pulsar' })).slice(0, -3) + 'AAA', 'bad_signature'],
    ];
    for (const [token, reason] of cases) {
      const r = await verify(token);
      assert.ok(!r.ok);
      assert.equal(r.reason, reason);
    }
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const es = await new SignJWT({ sub: 'a' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(privateKey);
    const r = await verify(es);
    assert.ok(!r.ok && r.reason === 'wrong_algorithm');
  });
  it('uses a configurable role claim', async () => {
    const v = createJwtVerifier({
      algorithm: 'HS256',
      key: createSecretKey(secret),
      roleClaim: 'role',
    });
    const r = await v(await hs({ sub: 'x', role: 'bob' }));
    assert.ok(r.ok && r.value.principal === 'bob');
  });
});

describe('loadJwtKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-jwt-'));
  it('loads RS256 PEM and DER public keys and ES256 keys', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'rsa.pem'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'rsa.der'), rsa.publicKey.export({ type: 'spki', format: 'der' }));
    const token = await new SignJWT({ sub: 'r' })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(rsa.privateKey);
    for (const file of ['rsa.pem', 'rsa.der']) {
      const key = await loadJwtKey(join(dir, file), 'RS256');
      const r = await createJwtVerifier({ algorithm: 'RS256', key })(token);
      assert.ok(r.ok && r.value.principal === 'r');
    }
    await assert.rejects(
      loadJwtKey(join(dir, 'rsa.pem'), 'ES256'),
      /expected a EC P-256 public key/,
    );
  });
  it('loads raw and base64 HMAC secrets', async () => {
    writeFileSync(join(dir, 'raw.key'), secret);
    writeFileSync(join(dir, 'b64.key'), secret.toString('base64') + '\n');
    const token = await hs({ sub: 's' });
    for (const [file, enc] of [
      ['raw.key', 'raw'],
      ['b64.key', 'base64'],
    ] as const) {
      const key = await loadJwtKey(join(dir, file), 'HS256', enc);
      assert.ok((await createJwtVerifier({ algorithm: 'HS256', key })(token)).ok);
    }
    assert.throws(
      () => keyFromBytes(Buffer.alloc(0), 'HS256', 'raw', 'k'),
      /Cannot use k as a HS256 key/,
    );
  });
});
