import type { MessageId } from '../../pulsar/index.ts';
import type { Clock } from '../../shared/index.ts';

/** The reference's cache lifetime: entries expire one hour after they were written (§5.3). */
export const MESSAGE_ID_CACHE_TTL_MS = 60 * 60 * 1000;

interface Entry {
  id: MessageId;
  /** Monotonic ms when the message was pushed (for ack latency and expiry). */
  at: number;
}

/**
 * Per-session map from the base64 id the gateway pushed to the message id object, as the
 * reference keeps one (pulsar-websocket-api.md §5.3, PR #12530): acks and nacks look the text up
 * here first, so batch-message acks reach the batch tracker with the exact id that was delivered;
 * a miss falls back to decoding the bytes. Entries expire after an hour (insertion order is
 * expiry order, so eviction only looks at the oldest entries) and are dropped once acked.
 */
export class MessageIdCache {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock, ttlMs = MESSAGE_ID_CACHE_TTL_MS) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  /** Number of live entries (tests, diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  /** Remembers a pushed id. */
  put(base64: string, id: MessageId): void {
    const now = this.#clock.monotonic();
    this.#evict(now);
    this.#entries.delete(base64);
    this.#entries.set(base64, { id, at: now });
  }

  /** The cached entry for `base64`, or undefined (miss or expired). */
  get(base64: string): { id: MessageId; at: number } | undefined {
    const e = this.#entries.get(base64);
    if (e === undefined) return undefined;
    if (this.#clock.monotonic() - e.at > this.#ttlMs) {
      this.#entries.delete(base64);
      return undefined;
    }
    return e;
  }

  /** Forgets `base64` (after an ack: the reference's cache also invalidates acked ids). */
  delete(base64: string): void {
    this.#entries.delete(base64);
  }

  #evict(now: number): void {
    for (const [k, e] of this.#entries) {
      if (now - e.at <= this.#ttlMs) return;
      this.#entries.delete(k);
    }
  }
}
