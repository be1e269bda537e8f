import type { FlowMode } from './consumer-types.ts';

/** Options of {@link PermitController}. */
export interface PermitControllerOptions {
  mode: FlowMode;
  /** Prefetch bound, ≥ 1. */
  receiverQueueSize: number;
  /** Sends FLOW with `permits` (> 0) to the broker. */
  sendFlow: (permits: number) => void;
  /** Observes changes of the permits granted but not yet used by the broker. */
  onOutstandingChange?: (delta: number) => void;
}

/**
 * FLOW permit accounting of one partition consumer (docs/pulsar-binary-protocol.md §1.8). Permits
 * count messages (a batch uses one per message) and the broker sends a whole batch even past the
 * permits left, so `outstanding` is clamped at zero rather than going negative.
 *
 * - `auto`: grant receiverQueueSize at (re)subscribe; every message consumed or discarded returns
 *   one permit, sent in one FLOW once half the queue's worth accumulated (Java
 *   `receiverQueueRefillThreshold`).
 * - `manual`: `demand` is how many messages the caller still wants; the controller keeps
 *   queued + outstanding ≥ min(demand, receiverQueueSize), so the broker never has more permits
 *   than the caller asked for and prefetch stays bounded.
 */
export class PermitController {
  readonly mode: FlowMode;
  readonly receiverQueueSize: number;
  readonly #sendFlow: (permits: number) => void;
  readonly #onOutstandingChange: (delta: number) => void;
  readonly #threshold: number;
  #outstanding = 0;
  #available = 0;
  #demand = 0;
  #active = false;

  constructor(options: PermitControllerOptions) {
    this.mode = options.mode;
    this.receiverQueueSize = Math.max(1, options.receiverQueueSize);
    this.#sendFlow = options.sendFlow;
    this.#onOutstandingChange = options.onOutstandingChange ?? (() => {});
    this.#threshold = Math.max(1, Math.floor(this.receiverQueueSize / 2));
  }

  /** Permits the broker holds and has not used yet. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Manual mode: messages the caller still wants. */
  get demand(): number {
    return this.#demand;
  }

  /** True when a queued message may be handed out (always in auto mode). */
  get canDeliver(): boolean {
    return this.mode === 'auto' || this.#demand > 0;
  }

  /**
   * Called after every (re)subscribe: the broker starts from zero permits (§1.8), so the
   * controller does too, then grants the initial permits.
   */
  start(queued: number): void {
    this.#setOutstanding(0);
    this.#available = 0;
    this.#active = true;
    if (this.mode === 'auto') this.#flow(this.receiverQueueSize);
    else this.#topUp(queued);
  }

  /** The connection is gone: nothing can be sent until {@link start}. */
  stop(): void {
    this.#active = false;
    this.#setOutstanding(0);
    this.#available = 0;
  }

  /** `count` messages arrived (a whole batch counts all its messages). */
  onReceived(count: number): void {
    this.#setOutstanding(Math.max(0, this.#outstanding - count));
  }

  /**
   * `count` messages left the local queue: handed to the application (`delivered`) or dropped
   * (start filter, queue cleared for redelivery, stale epoch). `queued` is the queue length after.
   */
  onConsumed(count: number, queued: number, delivered: boolean): void {
    if (this.mode === 'auto') {
      this.#available += count;
      if (this.#available >= this.#threshold) {
        const permits = this.#available;
        this.#available = 0;
        this.#flow(permits);
      }
      return;
    }
    if (delivered) this.#demand = Math.max(0, this.#demand - count);
    this.#topUp(queued);
  }

  /** Manual mode: the caller wants `n` more messages. */
  grant(n: number, queued: number): void {
    if (this.mode !== 'manual' || !(n > 0)) return;
    this.#demand += Math.floor(n);
    this.#topUp(queued);
  }

  /** Manual mode driven by a parent: sets the demand outright. */
  setDemand(n: number, queued: number): void {
    if (this.mode !== 'manual') return;
    this.#demand = Math.max(0, Math.floor(n));
    this.#topUp(queued);
  }

  #topUp(queued: number): void {
    const want = Math.min(this.#demand, this.receiverQueueSize) - queued - this.#outstanding;
    if (want > 0) this.#flow(want);
  }

  #flow(permits: number): void {
    if (!this.#active || permits <= 0) return;
    this.#setOutstanding(this.#outstanding + permits);
    this.#sendFlow(permits);
  }

  #setOutstanding(value: number): void {
    const delta = value - this.#outstanding;
    this.#outstanding = value;
    if (delta !== 0) this.#onOutstandingChange(delta);
  }
}
