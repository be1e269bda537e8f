import type { MessageId } from '../protocol/message-id.ts';

/** Outcome of acking one message of a batch. */
export type BatchAckResult =
  /** Every message of the entry is acked now: send the entry-level ACK. */
  | 'complete'
  /** Other messages of the entry are still unacked: send nothing yet. */
  | 'pending';

/** Outcome of a cumulative ack inside a batch. */
export interface CumulativeBatchAckResult {
  /** Every message of the entry up to its end is acked: cumulative-ack the entry itself. */
  complete: boolean;
  /**
   * The entry is only partly acked: cumulative-ack the previous entry instead, once per batch
   * (Java `BatchMessageAcker.isPrevBatchCumulativelyAcked`).
   */
  ackPreviousEntry: boolean;
}

interface BatchState {
  /** 1 = still unacked. */
  unacked: Uint8Array;
  remaining: number;
  prevCumulativelyAcked: boolean;
}

/**
 * Batch-ack completion without broker-side batch-index acks (docs/pulsar-binary-protocol.md §1.8):
 * the broker only knows entries, so the entry ack goes out once all N messages of a batch were
 * acked. Keyed by (ledger, entry), so acks of ids decoded from base64 (the gateway's cache misses)
 * reach the same state as acks of the delivered message objects.
 */
export class BatchAckTracker {
  readonly #batches = new Map<string, BatchState>();

  /** Number of partly acked batches tracked (diagnostics). */
  get size(): number {
    return this.#batches.size;
  }

  /**
   * Starts tracking a received batch of `size` messages unless already tracked (a redelivered
   * batch keeps the acks made so far). `preAcked` indexes (compacted out, before the reader's
   * start, acked per ack_set) are never delivered, so they count as acked.
   */
  register(ledgerId: bigint, entryId: bigint, size: number, preAcked: Iterable<number> = []): void {
    const key = entryKey(ledgerId, entryId);
    let state = this.#batches.get(key);
    if (state === undefined) {
      state = {
        unacked: new Uint8Array(size).fill(1),
        remaining: size,
        prevCumulativelyAcked: false,
      };
      this.#batches.set(key, state);
    }
    for (const i of preAcked) clearBit(state, i);
  }

  /** Marks one batch message acked. Unknown batches are created from the id's batch size. */
  ackIndividual(id: MessageId): BatchAckResult {
    const state = this.#stateFor(id);
    clearBit(state, id.batchIndex);
    if (state.remaining > 0) return 'pending';
    this.#batches.delete(entryKey(id.ledgerId, id.entryId));
    return 'complete';
  }

  /** Marks messages 0..batchIndex acked (cumulative ack of a batch message). */
  ackCumulative(id: MessageId): CumulativeBatchAckResult {
    const state = this.#stateFor(id);
    for (let i = 0; i <= id.batchIndex; i++) clearBit(state, i);
    if (state.remaining === 0) {
      this.#batches.delete(entryKey(id.ledgerId, id.entryId));
      return { complete: true, ackPreviousEntry: false };
    }
    const ackPreviousEntry = !state.prevCumulativelyAcked;
    state.prevCumulativelyAcked = true;
    return { complete: false, ackPreviousEntry };
  }

  /** Forgets batches of entries strictly before (ledger, entry): a cumulative ack covered them. */
  removeBefore(ledgerId: bigint, entryId: bigint): void {
    for (const key of this.#batches.keys()) {
      const [l, e] = parseKey(key);
      if (l < ledgerId || (l === ledgerId && e < entryId)) this.#batches.delete(key);
    }
  }

  /** Forgets one entry (acked or dead-lettered as a whole). */
  remove(ledgerId: bigint, entryId: bigint): void {
    this.#batches.delete(entryKey(ledgerId, entryId));
  }

  clear(): void {
    this.#batches.clear();
  }

  #stateFor(id: MessageId): BatchState {
    const key = entryKey(id.ledgerId, id.entryId);
    let state = this.#batches.get(key);
    if (state === undefined) {
      const size = Math.max(id.batchSize, id.batchIndex + 1);
      state = {
        unacked: new Uint8Array(size).fill(1),
        remaining: size,
        prevCumulativelyAcked: false,
      };
      this.#batches.set(key, state);
    }
    return state;
  }
}

function clearBit(state: BatchState, index: number): void {
  if (index >= 0 && index < state.unacked.length && state.unacked[index] === 1) {
    state.unacked[index] = 0;
    state.remaining--;
  }
}

/** `ledger:entry`, the key of an entry in the trackers. */
export function entryKey(ledgerId: bigint, entryId: bigint): string {
  return `${ledgerId}:${entryId}`;
}

function parseKey(key: string): [bigint, bigint] {
  const i = key.indexOf(':');
  return [BigInt(key.slice(0, i)), BigInt(key.slice(i + 1))];
}
