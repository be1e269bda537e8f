import type { Clock, TimerHandle } from '../../shared/index.ts';
import { compareMessageIds, messageIdToString, type MessageId } from '../protocol/message-id.ts';

/** Options of {@link UnackedMessageTracker}. */
export interface UnackedMessageTrackerOptions {
  clock: Clock;
  /** Ack timeout in ms (> 0). */
  timeoutMs: number;
  /** Ring granularity in ms. Default min(1000, timeoutMs), like Java's `ackTimeoutTickTime`. */
  tickMs?: number;
  /** Receives the ids whose timeout expired, to be redelivered. */
  onExpired: (ids: MessageId[]) => void;
}

/**
 * Ack timeout (docs/pulsar-binary-protocol.md §1.11), shaped like Java's `UnAckedMessageTracker`:
 * a ring of ceil(timeout / tick) buckets; a message enters the newest bucket when it is handed to
 * the application and leaves when acked; each tick the oldest bucket's ids are redelivered. A
 * message is therefore redelivered between timeout − tick and timeout after delivery.
 */
export class UnackedMessageTracker {
  readonly #clock: Clock;
  readonly #onExpired: (ids: MessageId[]) => void;
  readonly #buckets: Map<string, MessageId>[];
  readonly #where = new Map<string, Map<string, MessageId>>();
  #timer: TimerHandle | undefined;

  constructor(options: UnackedMessageTrackerOptions) {
    const tick = options.tickMs ?? Math.min(1000, options.timeoutMs);
    this.#clock = options.clock;
    this.#onExpired = options.onExpired;
    const count = Math.max(1, Math.ceil(options.timeoutMs / tick));
    this.#buckets = Array.from({ length: count }, () => new Map<string, MessageId>());
    this.#timer = this.#clock.setInterval(() => {
      this.#tick();
    }, tick);
    this.#timer.unref();
  }

  /** Messages currently tracked. */
  get size(): number {
    return this.#where.size;
  }

  /** Starts the timeout of a delivered message (restarts it when already tracked). */
  add(id: MessageId): void {
    const key = messageIdToString(id);
    this.#where.get(key)?.delete(key);
    const newest = this.#buckets[this.#buckets.length - 1]!;
    newest.set(key, id);
    this.#where.set(key, newest);
  }

  /** Stops tracking (individual ack or negative ack). */
  remove(id: MessageId): void {
    const key = messageIdToString(id);
    this.#where.get(key)?.delete(key);
    this.#where.delete(key);
  }

  /** Stops tracking every id ≤ `id` (cumulative ack). */
  removeUpTo(id: MessageId): void {
    for (const bucket of this.#buckets) {
      for (const [key, tracked] of bucket) {
        if (compareMessageIds(tracked, id) <= 0) {
          bucket.delete(key);
          this.#where.delete(key);
        }
      }
    }
  }

  /** Stops tracking everything (the broker redelivers all unacked messages anyway). */
  clear(): void {
    for (const bucket of this.#buckets) bucket.clear();
    this.#where.clear();
  }

  /** Stops the timer. */
  close(): void {
    if (this.#timer !== undefined) this.#clock.clearInterval(this.#timer);
    this.#timer = undefined;
    this.clear();
  }

  #tick(): void {
    const oldest = this.#buckets.shift()!;
    this.#buckets.push(new Map());
    if (oldest.size === 0) return;
    const ids = [...oldest.values()];
    for (const key of oldest.keys()) this.#where.delete(key);
    this.#onExpired(ids);
  }
}
