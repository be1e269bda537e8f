import type { ConsumerMessage } from '../../pulsar/index.ts';
import { encodeMessageIdBase64, isPulsarError } from '../../pulsar/index.ts';
import { CLOSE_CODES } from '../errors.ts';
import { serializePushedMessage } from '../protocol/consumer-message.ts';
import type { SessionContext } from './session-base.ts';
import { SessionBase } from './session-base.ts';

/** Flow settings of a delivering session (consumer, v3 consumer or reader). */
export interface DeliveryOptions {
  /** `pullMode=true`: deliver only what `permit` commands allow (§5.4). Readers never pull. */
  pullMode: boolean;
  /** Push window: `receiverQueueSize` capped at 1000, 1 when 0 (§5.4, §7). */
  maxPendingMessages: number;
  /** Close reason sent (with 1011) when the broker-side object fails, e.g. `Consumer failed`. */
  failureReason: string;
}

/**
 * What consumer and reader sessions share (pulsar-websocket-api.md §5.4, §7): the receive loop
 * that pushes messages in the reference's JSON, the reference's `pending` counter for the push
 * window and for pull-mode permits, and waiting for a slow client's socket buffer to drain (since
 * the loop then stops calling `receive`, our client stops granting the broker permits, issue 4).
 *
 * The reference starts a new asynchronous receive chain for every permit (pull) or freed slot
 * (push) that finds `pending` at or above its threshold, and each chain stops once a delivery
 * leaves `pending` outside its window. We keep one loop and count the chains the reference would
 * have running; messages are interchangeable between chains, so the number delivered is the
 * reference's, including the permit-0 quirk (each `permit 0` with `pending >= 0` delivers one
 * extra message, also when a receive is already pending).
 */
export abstract class DeliverySession extends SessionBase {
  readonly #pull: boolean;
  readonly #max: number;
  readonly #failureReason: string;
  readonly #abort = new AbortController();
  /** The reference's counter: messages delivered minus acks (push) or permits (pull). */
  #pending = 0;
  /** Receive chains the reference would have running (see the class comment). */
  #chains = 0;
  #loopRunning = false;

  protected constructor(ctx: SessionContext, options: DeliveryOptions) {
    super(ctx);
    this.#pull = options.pullMode;
    this.#max = options.maxPendingMessages;
    this.#failureReason = options.failureReason;
  }

  /** True in pull mode. */
  protected get pullMode(): boolean {
    return this.#pull;
  }

  /** Starts delivery: at once in push mode, on the first `permit` in pull mode (§10). */
  start(): void {
    if (!this.#pull) this.#startChain();
  }

  /** The next message from the broker-side object; rejects with the abort reason on close. */
  protected abstract receiveNext(signal: AbortSignal): Promise<ConsumerMessage>;

  /** Called with each message just before it is pushed (consumers cache the id for acks). */
  protected abstract onPushed(base64Id: string, msg: ConsumerMessage): void;

  /** Pull mode: a `permit` for `n` messages (n may be 0 or negative, §5.4). */
  protected grantPermits(n: number): void {
    const prev = this.#pending;
    this.#pending -= n;
    this.#updatePermitGauge(prev);
    if (prev >= 0) this.#startChain();
  }

  /** Push mode: an ack, nack or (reader) any frame frees one slot; no effect in pull mode. */
  protected releaseSlot(): void {
    if (this.#pull) return;
    const prev = this.#pending;
    this.#pending--;
    if (prev >= this.#max) this.#startChain();
  }

  /** Stops delivery for good: aborts a pending receive and returns outstanding permits. */
  protected stopDelivery(): void {
    this.closed = true;
    if (this.#pull && this.#pending < 0) this.ctx.metrics.outstandingPermits.dec(-this.#pending);
    this.#pending = 0;
    this.#chains = 0;
    this.#abort.abort(new Error('session closed'));
  }

  drain(): Promise<void> {
    this.draining = true;
    this.close(CLOSE_CODES.GOING_AWAY, 'Gateway shutting down');
    return Promise.resolve();
  }

  #inWindow(): boolean {
    return this.#pull ? this.#pending < 0 : this.#pending < this.#max;
  }

  #updatePermitGauge(prev: number): void {
    const before = Math.max(0, -prev);
    const after = Math.max(0, -this.#pending);
    if (after !== before) this.ctx.metrics.outstandingPermits.inc(after - before);
  }

  #startChain(): void {
    if (this.closed) return;
    this.#chains++;
    if (this.#loopRunning) return;
    this.#loopRunning = true;
    void this.#loop();
  }

  async #loop(): Promise<void> {
    try {
      while (this.#chains > 0) {
        if (!(await this.waitForDrain())) return;
        const msg = await this.receiveNext(this.#abort.signal);
        // A message received after the close stays unacked on the subscription (§10).
        if (this.closed) return;
        const id = encodeMessageIdBase64(msg.id);
        this.onPushed(id, msg);
        this.send(
          serializePushedMessage({
            messageId: id,
            payload: msg.payload,
            properties: msg.properties,
            publishTimeMs: msg.publishTime,
            redeliveryCount: msg.redeliveryCount,
            eventTimeMs: msg.eventTime,
            key: msg.key,
          }),
        );
        const prev = this.#pending;
        this.#pending++;
        if (this.#pull) this.#updatePermitGauge(prev);
        if (!this.#inWindow()) this.#chains--;
      }
    } catch (err) {
      if (this.closed) return;
      if (isPulsarError(err, 'PULSAR_ERR_CLOSED')) {
        // After `unsubscribe` the reference keeps the socket open and only logs (§5.3).
        this.ctx.logger.info({}, 'broker-side object closed; delivery stopped');
        return;
      }
      this.ctx.logger.warn({ err }, 'broker-side object failed; closing the session');
      this.close(CLOSE_CODES.INTERNAL_ERROR, this.#failureReason);
    } finally {
      this.#loopRunning = false;
    }
  }
}
