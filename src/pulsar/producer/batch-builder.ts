import { sameReplicateTo } from './producer-message.ts';
import type { BatchItem } from './send-op.ts';

/** Limits of a {@link BatchBuilder}. */
export interface BatchLimits {
  /** Most messages per batch; ≤ 0 means no limit. Java default 1000. */
  maxMessages: number;
  /** Most payload bytes per batch; ≤ 0 means no limit. Java default 128 KiB. */
  maxBytes: number;
}

/**
 * Collects messages for the next batch, with the Java `BatchMessageContainerImpl` rules: a batch
 * always accepts its first message; later ones only while both limits hold, counting payload bytes
 * (`haveEnoughSpace`); the batch is full once either limit is reached (`isBatchFull`). Messages
 * with different replicate_to never share a batch, since replicate_to is entry-level metadata.
 */
export class BatchBuilder {
  readonly #limits: BatchLimits;
  #items: BatchItem[] = [];
  #bytes = 0;

  constructor(limits: BatchLimits) {
    this.#limits = limits;
  }

  /** Messages in the open batch. */
  get count(): number {
    return this.#items.length;
  }

  /** Payload bytes in the open batch. */
  get bytes(): number {
    return this.#bytes;
  }

  /** True when the open batch is empty. */
  get isEmpty(): boolean {
    return this.#items.length === 0;
  }

  /** Monotonic ms of the oldest message in the batch, if any. */
  get oldestCreatedAt(): number | undefined {
    return this.#items[0]?.createdAt;
  }

  /** True when `item` may join the open batch without flushing it first. */
  canAdd(item: BatchItem): boolean {
    const first = this.#items[0];
    if (first === undefined) return true;
    const { maxMessages, maxBytes } = this.#limits;
    if (maxMessages > 0 && this.#items.length >= maxMessages) return false;
    if (maxBytes > 0 && this.#bytes + item.message.payload.length > maxBytes) return false;
    return sameReplicateTo(first.message.replicateTo, item.message.replicateTo);
  }

  /** Adds `item` (check {@link canAdd} first); returns true when the batch is now full. */
  add(item: BatchItem): boolean {
    this.#items.push(item);
    this.#bytes += item.message.payload.length;
    const { maxMessages, maxBytes } = this.#limits;
    return (
      (maxMessages > 0 && this.#items.length >= maxMessages) ||
      (maxBytes > 0 && this.#bytes >= maxBytes)
    );
  }

  /** Removes and returns the open batch's messages, oldest first. */
  take(): BatchItem[] {
    const items = this.#items;
    this.#items = [];
    this.#bytes = 0;
    return items;
  }
}
