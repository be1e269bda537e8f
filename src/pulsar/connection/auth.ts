import { readFile } from 'node:fs/promises';
import { PulsarError } from '../errors.ts';

/** A challenge sent by the broker in AUTH_CHALLENGE (§1.4). */
export interface AuthChallenge {
  /** Auth method the broker names (may be empty). */
  authMethodName: string;
  /** Challenge bytes; for token auth-refresh this is a marker, not something to sign. */
  data: Uint8Array;
}

/**
 * Supplies the credentials of a connection: CONNECT.auth_method_name / auth_data, and the answer
 * to each AUTH_CHALLENGE (docs/pulsar-binary-protocol.md §1.4). Implementations must be cheap to
 * call repeatedly: brokers with auth refresh challenge long-lived connections periodically.
 */
export interface AuthProvider {
  /** Method name (`token`, `basic`, `tls`, …); empty string for no authentication. */
  readonly authMethodName: string;
  /**
   * Credentials to send: in CONNECT when `challenge` is undefined, in AUTH_RESPONSE otherwise.
   * Rejections close the connection with PULSAR_ERR_AUTHENTICATION.
   */
  getAuthData(challenge?: AuthChallenge): Promise<Uint8Array>;
}

/** No authentication: CONNECT carries no auth fields. */
export const noAuth: AuthProvider = Object.freeze({
  authMethodName: '',
  getAuthData: () => Promise.resolve(new Uint8Array(0)),
});

/** A token, or a function returning the current token (called for every CONNECT and challenge). */
export type TokenSupplier = string | (() => string | Promise<string>);

/**
 * JWT token auth (method `token`, data = the token in UTF-8, §1.4). Pass a function to refresh
 * tokens: it is called again for every new connection and every AUTH_CHALLENGE.
 */
export class TokenAuth implements AuthProvider {
  readonly authMethodName = 'token';
  #supplier: TokenSupplier;

  constructor(token: TokenSupplier) {
    this.#supplier = token;
  }

  async getAuthData(): Promise<Uint8Array> {
    const token = typeof this.#supplier === 'string' ? this.#supplier : await this.#supplier();
    if (token === '') throw new PulsarError('PULSAR_ERR_AUTHENTICATION', 'empty auth token');
    return Buffer.from(token, 'utf8');
  }

  /** Reads the token from a file on every call, so rotated secrets are picked up (k8s mounts). */
  static fromFile(path: string): TokenAuth {
    return new TokenAuth(async () => (await readFile(path, 'utf8')).trim());
  }
}

/** HTTP-basic-style auth (method `basic`, data `user:password`, §1.4). */
export class BasicAuth implements AuthProvider {
  readonly authMethodName = 'basic';
  #data: Uint8Array;

  constructor(user: string, password: string) {
    this.#data = Buffer.from(`${user}:${password}`, 'utf8');
  }

  getAuthData(): Promise<Uint8Array> {
    return Promise.resolve(this.#data);
  }
}

/**
 * TLS client-certificate auth (method `tls`, empty data, §1.4). The certificate itself is
 * configured in the connection's TLS options (`certFile` / `keyFile`).
 */
export const tlsAuth: AuthProvider = Object.freeze({
  authMethodName: 'tls',
  getAuthData: () => Promise.resolve(new Uint8Array(0)),
});
