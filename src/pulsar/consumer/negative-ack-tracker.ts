import type { Clock, TimerHandle } from '../../shared/index.ts';
import { messageId, type MessageId } from '../protocol/message-id.ts';
import { entryKey } from './batch-ack-tracker.ts';

/** Options of {@link NegativeAckTracker}. */
export interface NegativeAckTrackerOptions {
  clock: Clock;
  /** Redelivery delay in ms (≥ 0). */
  delayMs: number;
  /** Receives entry-level ids that are due for redelivery. */
  onRedeliver: (ids: MessageId[]) => void;
}

/** Smallest check interval, as Java's `NegativeAcksTracker.MIN_NACK_DELAY_NANOS` (100 ms). */
const MIN_INTERVAL_MS = 100;

/**
 * Negative acks (docs/pulsar-binary-protocol.md §1.11), like Java's `NegativeAcksTracker`: each
 * nacked *entry* gets a due time now + delay; a timer checks every max(delay / 3, 100 ms) and hands
 * the due entries over for redelivery. Redelivery works on entries, so nacking one message of a
 * batch brings the whole batch back.
 */
export class NegativeAckTracker {
  readonly #clock: Clock;
  readonly #delayMs: number;
  readonly #intervalMs: number;
  readonly #onRedeliver: (ids: MessageId[]) => void;
  readonly #due = new Map<string, { id: MessageId; at: number }>();
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(options: NegativeAckTrackerOptions) {
    this.#clock = options.clock;
    this.#delayMs = options.delayMs;
    this.#intervalMs = Math.max(Math.floor(options.delayMs / 3), MIN_INTERVAL_MS);
    this.#onRedeliver = options.onRedeliver;
  }

  /** Entries waiting for redelivery. */
  get size(): number {
    return this.#due.size;
  }

  /** Schedules the entry of `id` for redelivery after the delay. */
  add(id: MessageId): void {
    if (this.#closed) return;
    const entry = messageId(id.ledgerId, id.entryId, id.partition);
    this.#due.set(entryKey(id.ledgerId, id.entryId), {
      id: entry,
      at: this.#clock.monotonic() + this.#delayMs,
    });
    this.#schedule();
  }

  /** Drops every pending nack (the broker redelivers everything after a reconnect anyway). */
  clear(): void {
    this.#due.clear();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due.clear();
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#check();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  #check(): void {
    const now = this.#clock.monotonic();
    const ready: MessageId[] = [];
    for (const [key, { id, at }] of this.#due) {
      if (at <= now) {
        ready.push(id);
        this.#due.delete(key);
      }
    }
    if (this.#due.size > 0) this.#schedule();
    if (ready.length > 0) this.#onRedeliver(ready);
  }
}
