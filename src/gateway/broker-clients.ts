import { createHash } from 'node:crypto';
import type { PulsarClientOptions } from '../pulsar/index.ts';
import { PulsarClient, TokenAuth } from '../pulsar/index.ts';
import type { Logger } from '../shared/index.ts';

/** A client borrowed for one session; `release` exactly once when the session ends. */
export interface ClientLease {
  client: PulsarClient;
  release(): void;
}

interface Slot {
  client: PulsarClient;
  refs: number;
}

/**
 * The Pulsar clients the gateway connects through. The shared client (the gateway's own
 * credentials, `pulsar.authentication.tokenFile`) serves `auth.mode: none` and identity
 * forwarding; in `passthrough` and `clientToken` modes the broker must see **the client's own
 * token** (issue 4, "Authorization stays with the broker"), and a CONNECT carries one credential,
 * so sessions with the same token share one client and each token gets its own. Keyed by a hash,
 * never the token itself; closed when its last session ends. Those clients have no metrics
 * registry (prom-client names can be registered once per registry), so the Pulsar client metrics
 * describe the shared client only.
 */
export class BrokerClients {
  readonly shared: PulsarClient;
  readonly #base: PulsarClientOptions;
  readonly #logger: Logger;
  readonly #byToken = new Map<string, Slot>();

  constructor(base: PulsarClientOptions, logger: Logger) {
    this.#base = base;
    this.#logger = logger;
    this.shared = new PulsarClient(base);
  }

  /** Number of per-token clients open (tests, diagnostics). */
  get tokenClients(): number {
    return this.#byToken.size;
  }

  /** Borrows the shared client (token undefined) or the client for `token`. */
  acquire(token: string | undefined): ClientLease {
    if (token === undefined) return { client: this.shared, release: noop };
    const key = createHash('sha256').update(token).digest('base64');
    let slot = this.#byToken.get(key);
    if (slot === undefined) {
      const options: PulsarClientOptions = { ...this.#base, auth: new TokenAuth(token) };
      delete options.registry;
      slot = { client: new PulsarClient(options), refs: 0 };
      this.#byToken.set(key, slot);
    }
    slot.refs++;
    const s = slot;
    let released = false;
    return {
      client: s.client,
      release: () => {
        if (released) return;
        released = true;
        s.refs--;
        if (s.refs > 0) return;
        this.#byToken.delete(key);
        s.client.close().catch((err: unknown) => {
          this.#logger.warn({ err }, 'closing a per-token Pulsar client failed');
        });
      },
    };
  }

  /** Closes every client. */
  async close(): Promise<void> {
    const all = [this.shared, ...[...this.#byToken.values()].map((s) => s.client)];
    this.#byToken.clear();
    await Promise.allSettled(all.map((c) => c.close()));
  }
}

function noop(): void {}
