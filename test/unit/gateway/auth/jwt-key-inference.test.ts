/**
 * The verification algorithm follows the key when `auth.jwt.algorithm` is left at its HS256
 * default (the operator omits it when the resource leaves it unset): a public key must never
 * become an HMAC secret, or anyone holding the public key could sign accepted HS256 tokens.
 */
import assert from 'node:assert/strict';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { SignJWT } from 'jose';
import {
  algorithmForKey,
  createJwtVerifier,
  keyFromBytes,
} from '../../../../src/gateway/auth/jwt-verifier.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPem = Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' }));
const rsaDer = rsa.publicKey.export({ type: 'spki', format: 'der' });
const ecPem = Buffer.from(ec.publicKey.export({ type: 'spki', format: 'pem' }));

describe('JWT key and algorithm inference', () => {
  it('refuses an HS256 token signed with the public key file as secret (default algorithm)', async () => {
    for (const file of [rsaPem, rsaDer]) {
      const verify = createJwtVerifier({
        algorithm: 'HS256',
        key: keyFromBytes(file, 'HS256', 'raw'),
      });
      const forged = await new SignJWT({ sub: 'admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(file);
      assert.deepEqual(await verify(forged), { ok: false, reason: 'wrong_algorithm' });
      const real = await new SignJWT({ sub: 'alice' })
        .setProtectedHeader({ alg: 'RS256' })
        .sign(rsa.privateKey);
      const r = await verify(real);
      assert.ok(r.ok && r.value.principal === 'alice');
    }
  });

  it('infers ES256 from an EC P-256 PEM left at the default algorithm', async () => {
    const verify = createJwtVerifier({
      algorithm: 'HS256',
      key: keyFromBytes(ecPem, 'HS256', 'raw'),
    });
    const token = await new SignJWT({ sub: 'bob' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(ec.privateKey);
    const r = await verify(token);
    assert.ok(r.ok && r.value.principal === 'bob');
  });

  it('maps keys to their one algorithm and refuses mismatches', () => {
    assert.equal(algorithmForKey(createSecretKey(Buffer.from('s3cret')), 'HS256'), 'HS256');
    assert.equal(algorithmForKey(rsa.publicKey, 'HS256'), 'RS256');
    assert.equal(algorithmForKey(rsa.publicKey, 'RS256'), 'RS256');
    assert.equal(algorithmForKey(ec.publicKey, 'ES256'), 'ES256');
    assert.throws(() => algorithmForKey(createSecretKey(Buffer.from('s')), 'RS256'), /public key/);
    assert.throws(() => algorithmForKey(ec.publicKey, 'RS256'), /expected a RSA public key/);
    assert.throws(() => algorithmForKey(rsa.publicKey, 'ES256'), /expected a EC P-256/);
  });

  it('refuses an EC key off P-256 at load time instead of failing every token', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const pem = Buffer.from(p384.publicKey.export({ type: 'spki', format: 'pem' }));
    assert.throws(() => keyFromBytes(pem, 'ES256', 'raw', 'k'), /Cannot use k as a ES256 key/);
    assert.throws(() => keyFromBytes(pem, 'HS256', 'raw', 'k'), /EC P-256/);
  });

  it('still reads raw and base64 HMAC secrets, and refuses a PEM that is not a key', () => {
    const raw = keyFromBytes(Buffer.from('0123456789abcdef0123456789abcdef'), 'HS256', 'raw');
    assert.equal(raw.type, 'secret');
    const b64 = keyFromBytes(Buffer.from('c2VjcmV0LXNlY3JldA==\n'), 'HS256', 'base64');
    assert.equal(b64.type, 'secret');
    assert.throws(
      () => keyFromBytes(Buffer.from('-----BEGIN NOTHING-----\nabc\n'), 'HS256', 'raw', 'k'),
      /Cannot use k as a HS256 key/,
    );
  });
});
