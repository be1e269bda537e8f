import { createPublicKey, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { errors as joseErrors, jwtVerify } from 'jose';

/** Algorithms the gateway verifies. */
export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
/** One of {@link JWT_ALGORITHMS}. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Why a token was refused; a bounded set, used as a metrics label. */
export const AUTH_FAILURE_REASONS = [
  'missing',
  'malformed',
  'bad_signature',
  'wrong_algorithm',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'no_role',
] as const;
/** One of {@link AUTH_FAILURE_REASONS}. */
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/** A verified client identity. */
export interface VerifiedToken {
  /** The role (value of the role claim, `sub` by default). */
  principal: string;
  /** Expiry (epoch ms) when the token has `exp`; the session must close then (1008). */
  expiresAt: number | undefined;
}

/** Verification result; never contains the token. */
export type VerifyResult =
  { ok: true; value: VerifiedToken } | { ok: false; reason: AuthFailureReason };

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  algorithm: JwtAlgorithm;
  /** HMAC secret (HS256) or public key (RS256/ES256). */
  key: KeyObject;
  /** Required `iss`, if set. */
  issuer?: string | undefined;
  /** Required `aud` (one of), if set. */
  audience?: string | readonly string[] | undefined;
  /** Claim holding the role. Default `sub` (Pulsar's `tokenAuthClaim` default). */
  roleClaim?: string | undefined;
  /** Allowed clock skew for `exp`/`nbf`, seconds. Default 0 (like Pulsar). */
  clockToleranceSec?: number | undefined;
}

/** Verifies one token. */
export type JwtVerifier = (token: string) => Promise<VerifyResult>;

/**
 * Creates a verifier for the configured key and claims. Only one algorithm is accepted (no
 * `none`, no algorithm confusion): {@link algorithmForKey} of `key` and `algorithm`. Tokens
 * without `exp` are accepted, as Pulsar's token provider does.
 *
 * @throws Error when the key cannot be used with `algorithm`.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const roleClaim = options.roleClaim ?? 'sub';
  const verifyOptions = {
    algorithms: [algorithmForKey(options.key, options.algorithm)],
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined
      ? {}
      : {
          audience: typeof options.audience === 'string' ? options.audience : [...options.audience],
        }),
    clockTolerance: options.clockToleranceSec ?? 0,
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, options.key, verifyOptions);
      const role = payload[roleClaim];
      if (typeof role !== 'string' || role === '') return { ok: false, reason: 'no_role' };
      return {
        ok: true,
        value: {
          principal: role,
          expiresAt: payload.exp === undefined ? undefined : payload.exp * 1000,
        },
      };
    } catch (err) {
      return { ok: false, reason: failureReason(err) };
    }
  };
}

/**
 * The one algorithm tokens are verified with. `auth.jwt.algorithm` defaults to HS256 and the
 * operator leaves it out when `spec.auth.jwt.algorithm` is unset (the CRD promises the gateway
 * infers it from the key), so HS256 with a public key means "infer": RSA gives RS256, EC P-256
 * gives ES256. HMAC keyed with a public key is never wanted: anyone holding that key could sign
 * accepted tokens (algorithm confusion).
 *
 * @throws Error when the key does not fit `configured` (a secret with RS256/ES256, an RSA key
 *   with ES256, an EC key off P-256, ...).
 */
export function algorithmForKey(key: KeyObject, configured: JwtAlgorithm): JwtAlgorithm {
  if (key.type === 'secret') {
    if (configured !== 'HS256') throw new Error(`${configured} needs a public key, not a secret`);
    return 'HS256';
  }
  if (key.type !== 'public') throw new Error('the verification key must be public or secret');
  const own = publicKeyAlgorithm(key);
  if (configured !== 'HS256' && configured !== own) {
    throw new Error(`expected a ${configured === 'RS256' ? 'RSA' : 'EC P-256'} public key`);
  }
  return own;
}

function publicKeyAlgorithm(key: KeyObject): JwtAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ES256';
  }
  throw new Error('expected an RSA or EC P-256 public key');
}

/** Maps a `jose` error to a reason; anything unrecognised counts as malformed. */
export function failureReason(err: unknown): AuthFailureReason {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'wrong_issuer';
    if (err.claim === 'aud') return 'wrong_audience';
    if (err.claim === 'nbf') return 'not_yet_valid';
    return 'malformed';
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'wrong_algorithm';
  return 'malformed';
}

/**
 * Loads the verification key from a file.
 * - HS256: the secret; `encoding: 'raw'` (default, Pulsar's `tokenSecretKey` file) uses the
 *   bytes as is, `'base64'` decodes the (trimmed) text first. A PEM or DER public key is
 *   returned as the public key instead ({@link algorithmForKey} then infers RS256/ES256).
 * - RS256/ES256: a public key, PEM (`-----BEGIN PUBLIC KEY-----`) or DER SubjectPublicKeyInfo
 *   (what `pulsar tokens create-key-pair` writes).
 *
 * @throws Error naming the file (never its contents) when the key cannot be used.
 */
export async function loadJwtKey(
  path: string,
  algorithm: JwtAlgorithm,
  encoding: 'raw' | 'base64' = 'raw',
): Promise<KeyObject> {
  const bytes = await readFile(path);
  return keyFromBytes(bytes, algorithm, encoding, path);
}

/** {@link loadJwtKey} without the file read. */
export function keyFromBytes(
  bytes: Buffer,
  algorithm: JwtAlgorithm,
  encoding: 'raw' | 'base64',
  name = 'key',
): KeyObject {
  try {
    if (algorithm === 'HS256') {
      // A public key here is the unset-algorithm case (see algorithmForKey), never a secret.
      const publicKey = parsePublicKey(bytes, false);
      if (publicKey !== undefined) {
        algorithmForKey(publicKey, algorithm);
        return publicKey;
      }
      const secret =
        encoding === 'base64' ? Buffer.from(bytes.toString('utf8').trim(), 'base64') : bytes;
      if (secret.length === 0) throw new Error('empty secret');
      return createSecretKey(secret);
    }
    const key = parsePublicKey(bytes, true);
    if (key === undefined) throw new Error('not a public key');
    algorithmForKey(key, algorithm);
    return key;
  } catch (err) {
    throw new Error(`Cannot use ${name} as a ${algorithm} key: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * PEM text (any `-----BEGIN` block: a PEM that is not a key is an error, not a secret) or DER
 * SubjectPublicKeyInfo. `derRequired` false: bytes that are not DER give undefined (a raw
 * HMAC secret) instead of an error.
 */
function parsePublicKey(bytes: Buffer, derRequired: boolean): KeyObject | undefined {
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN')) return createPublicKey(text);
  try {
    return createPublicKey({ key: bytes, format: 'der', type: 'spki' });
  } catch (err) {
    if (derRequired) throw err;
    return undefined;
  }
}
