import { silentLogger, type Logger } from '../../shared/index.ts';
import { PulsarError, toPulsarError } from '../errors.ts';
import type { ForwardedIdentity } from '../protocol/commands.ts';
import { Connection, type ConnectionOptions } from './connection.ts';
import { parseBrokerUrl } from './service-url.ts';

/** Options shared by every connection of a pool (everything but the addresses and identity). */
export type PooledConnectionOptions = Omit<
  ConnectionOptions,
  'logicalAddress' | 'physicalAddress' | 'identity'
>;

/** Options of {@link ConnectionPool}. */
export interface ConnectionPoolOptions extends PooledConnectionOptions {
  /** Builds connections; tests may substitute one. Default `new Connection(options)`. */
  connectionFactory?: (options: ConnectionOptions) => Connection;
}

interface PoolEntry {
  connection: Connection;
  ready: Promise<Connection>;
}

/**
 * Reuses one connection per (logical broker, physical address, forwarded principal)
 * (docs/pulsar-binary-protocol.md §1.5 step 4, §1.12): original_principal is a CONNECT field, so
 * users of different principals cannot share a socket. Closed or failed connections drop out of
 * the pool, and the next request opens a fresh one.
 *
 * Keyed by principal and auth method, not by the forwarded credentials themselves: a rotated
 * token for the same principal keeps using the existing connection.
 */
export class ConnectionPool {
  readonly #options: ConnectionPoolOptions;
  readonly #entries = new Map<string, PoolEntry>();
  readonly #log: Logger;
  #closed = false;

  constructor(options: ConnectionPoolOptions = {}) {
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ component: 'pulsar-connection-pool' });
  }

  /** Number of pooled connections (connecting or ready). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * A ready connection to `logicalAddress`, reached through `physicalAddress` (default: the same).
   * Concurrent callers for the same key share one connection attempt. Rejects with the
   * connection's error (PULSAR_ERR_CONNECT_FAILED, PULSAR_ERR_TIMEOUT, PULSAR_ERR_AUTHENTICATION,
   * …) or PULSAR_ERR_CLOSED after {@link close}.
   */
  getConnection(
    logicalAddress: string,
    physicalAddress: string = logicalAddress,
    identity?: ForwardedIdentity,
  ): Promise<Connection> {
    if (this.#closed) {
      return Promise.reject(new PulsarError('PULSAR_ERR_CLOSED', 'connection pool is closed'));
    }
    let key: string;
    try {
      key = poolKey(logicalAddress, physicalAddress, identity);
    } catch (err) {
      return Promise.reject(toPulsarError(err, 'PULSAR_ERR_INVALID_URL', 'bad broker address'));
    }
    const existing = this.#entries.get(key);
    if (existing !== undefined && existing.connection.state !== 'closed') return existing.ready;
    if (existing !== undefined) this.#entries.delete(key);

    const connection = (this.#options.connectionFactory ?? ((o) => new Connection(o)))({
      ...this.#options,
      logicalAddress,
      physicalAddress,
      ...(identity === undefined ? {} : { identity }),
    });
    const entry: PoolEntry = {
      connection,
      ready: connection.connect().then(
        () => connection,
        (err: unknown) => {
          this.#drop(key, entry);
          throw err;
        },
      ),
    };
    connection.onClose(() => {
      this.#drop(key, entry);
    });
    this.#entries.set(key, entry);
    this.#log.debug({ key }, 'opening pooled connection');
    return entry.ready;
  }

  /** Closes every connection; later {@link getConnection} calls reject with PULSAR_ERR_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => e.connection.close()));
  }

  #drop(key: string, entry: PoolEntry): void {
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }
}

/** Pool key: normalised logical and physical URLs plus the forwarded principal. */
export function poolKey(
  logicalAddress: string,
  physicalAddress: string,
  identity?: ForwardedIdentity,
): string {
  const logical = parseBrokerUrl(logicalAddress).url;
  const physical = parseBrokerUrl(physicalAddress).url;
  const who =
    identity === undefined
      ? ''
      : JSON.stringify([identity.originalPrincipal, identity.originalAuthMethod ?? '']);
  return `${logical}|${physical}|${who}`;
}
