import type { QueryParams } from '../routes/query-params.ts';

/** Where a client token came from. */
export type TokenSource = 'header' | 'query' | 'subprotocol';

/**
 * Subprotocol entry prefixes that carry a token (browsers cannot set `Authorization`):
 * `bearer.<token>` for tokens made of RFC 7230 token characters (every JWT is), and
 * `base64url.bearer.<base64url(token)>` (unpadded) for anything else — the same idea as
 * Kubernetes' `base64url.bearer.authorization.k8s.io.<token>` (docs/compatibility.md).
 */
export const TOKEN_PROTOCOL_PREFIX = 'bearer.';
/** See {@link TOKEN_PROTOCOL_PREFIX}. */
export const TOKEN_PROTOCOL_B64_PREFIX = 'base64url.bearer.';

/** Outcome of {@link extractToken}. */
export type ExtractedToken =
  | { kind: 'token'; token: string; source: TokenSource }
  | { kind: 'missing' }
  /** A credential was sent but cannot be used (reference: 401 `Invalid HTTP Authorization header`). */
  | { kind: 'malformed'; source: TokenSource };

/** The request parts token extraction needs. */
export interface TokenRequest {
  /** `Authorization` header value(s), as Node's `req.headers.authorization`. */
  authorization: string | undefined;
  /** `Sec-WebSocket-Protocol` header value (comma-separated list) or undefined. */
  protocols: string | undefined;
  /** Decoded query parameters (`token`). */
  query: QueryParams;
}

const BEARER = 'Bearer ';

function fromBearer(value: string, source: TokenSource): ExtractedToken {
  if (!value.startsWith(BEARER)) return { kind: 'malformed', source };
  const token = value.slice(BEARER.length).trim();
  return token === '' ? { kind: 'malformed', source } : { kind: 'token', token, source };
}

/**
 * Finds the client's token the way the reference does (§9.1), plus a browser-friendly
 * subprotocol option:
 * 1. `Authorization` header: must be `Bearer <token>` (case-sensitive prefix, like Pulsar's
 *    `AuthenticationProviderToken`); anything else is malformed (401).
 * 2. only when there is no `Authorization` header, `?token=`: the `Bearer ` prefix is optional
 *    (added when missing, PR #9886 / issue #10157).
 * 3. only when neither is present, a `Sec-WebSocket-Protocol` entry (gateway extension).
 * Never logs or returns more than the token itself.
 */
export function extractToken(req: TokenRequest): ExtractedToken {
  if (req.authorization !== undefined) return fromBearer(req.authorization, 'header');
  const q = req.query.get('token');
  if (q !== undefined) return fromBearer(q.startsWith(BEARER) ? q : BEARER + q, 'query');
  const fromProtocol = tokenFromProtocols(req.protocols);
  return fromProtocol ?? { kind: 'missing' };
}

function tokenFromProtocols(header: string | undefined): ExtractedToken | undefined {
  if (header === undefined) return undefined;
  for (const raw of header.split(',')) {
    const entry = raw.trim();
    if (entry.startsWith(TOKEN_PROTOCOL_B64_PREFIX)) {
      const b64 = entry.slice(TOKEN_PROTOCOL_B64_PREFIX.length);
      if (!/^[A-Za-z0-9_-]+$/.test(b64)) return { kind: 'malformed', source: 'subprotocol' };
      const token = Buffer.from(b64, 'base64url').toString('utf8');
      return token.trim() === ''
        ? { kind: 'malformed', source: 'subprotocol' }
        : { kind: 'token', token, source: 'subprotocol' };
    }
    if (entry.startsWith(TOKEN_PROTOCOL_PREFIX)) {
      const token = entry.slice(TOKEN_PROTOCOL_PREFIX.length);
      return token === ''
        ? { kind: 'malformed', source: 'subprotocol' }
        : { kind: 'token', token, source: 'subprotocol' };
    }
  }
  return undefined;
}

/** True for subprotocol entries that carry a token (never echo those back). */
export function isTokenProtocol(protocol: string): boolean {
  return (
    protocol.startsWith(TOKEN_PROTOCOL_PREFIX) || protocol.startsWith(TOKEN_PROTOCOL_B64_PREFIX)
  );
}

/**
 * The subprotocol to select in the handshake (`ws`'s `handleProtocols`): the first offered entry
 * that is not a token. A browser that offered protocols fails the connection unless the server
 * selects one, so clients send the token next to a plain name, e.g.
 * `new WebSocket(url, ['pulsar', 'bearer.' + jwt])`; the response then says `pulsar` and the
 * token never appears in a response header. Returns false when there is nothing to select.
 */
export function selectSubprotocol(offered: ReadonlySet<string>): string | false {
  for (const p of offered) if (!isTokenProtocol(p)) return p;
  return false;
}
