import type { MessageId, Producer, ProducerMessage } from '../../pulsar/index.ts';
import { encodeMessageIdBase64 } from '../../pulsar/index.ts';
import { CLOSE_CODES, sendErrorMessage } from '../errors.ts';
import type { CloseCode } from '../errors.ts';
import { errorAck, okAck } from '../protocol/producer-response.ts';
import { parsePublishRequest } from '../protocol/publish-request.ts';
import type { SessionContext } from './session-base.ts';
import { SessionBase } from './session-base.ts';

/** Options of {@link ProducerSession}. */
export interface ProducerSessionOptions {
  /** `websocket.maxInflightSendsPerProducer`: stop reading the socket at this many unanswered sends. */
  maxInflightSends: number;
}

/**
 * One producer WebSocket (pulsar-websocket-api.md §4): each text frame is parsed with the
 * reference's rules and published; **every publish gets exactly one answer** (ok ack with the
 * message id and context, or `send-error:N`, §4.3), also during a drain. The socket stops being
 * read while `maxInflightSends` sends are unanswered or the client's buffer is over its cap
 * (issue 4, flow control); binary frames are ignored (§1, compatibility L3).
 */
export class ProducerSession extends SessionBase {
  readonly #producer: Producer;
  readonly #maxInflight: number;
  #pending = 0;
  #paused = false;
  /** Set by onClosed, which takes every unanswered send out of the counts at once. */
  #released = false;
  #drained: (() => void) | undefined;

  constructor(ctx: SessionContext, producer: Producer, options: ProducerSessionOptions) {
    super(ctx);
    this.#producer = producer;
    this.#maxInflight = options.maxInflightSends;
  }

  /** Unanswered publishes. */
  get pending(): number {
    return this.#pending;
  }

  onText(text: string): void {
    const parsed = parsePublishRequest(text, this.ctx.clock.now());
    if (!parsed.ok) {
      this.send(errorAck(parsed.errorCode, parsed.errorMsg, parsed.context));
      return;
    }
    const r = parsed.request;
    const message: ProducerMessage = { payload: r.payload };
    if (r.properties !== undefined) message.properties = r.properties;
    if (r.key !== undefined) message.key = r.key;
    if (r.eventTimeMs !== undefined) message.eventTime = r.eventTimeMs;
    if (r.replicationClusters !== undefined) message.replicationClusters = r.replicationClusters;
    if (r.deliverAtMs !== undefined) message.deliverAtMs = r.deliverAtMs;
    const context = r.context;
    const started = this.ctx.clock.monotonic();
    this.#pending++;
    this.ctx.metrics.pendingSends.inc();
    if (this.#pending >= this.#maxInflight) this.#pause();
    // One closure pair per publish: the context must travel with the promise; everything else
    // is on the session (style.md §2, hot path kept small).
    let sent: Promise<MessageId>;
    try {
      sent = this.#producer.send(message);
    } catch (err) {
      this.#settled(errorAck(8, sendErrorMessage(err), context));
      return;
    }
    sent.then(
      (id: MessageId) => {
        this.ctx.metrics.publishLatency.observe((this.ctx.clock.monotonic() - started) / 1000);
        this.#settled(okAck(encodeMessageIdBase64(id), context));
      },
      (err: unknown) => {
        this.#settled(errorAck(8, sendErrorMessage(err), context));
      },
    );
  }

  #settled(answer: string): void {
    // Closing the producer fails its pending sends after onClosed already uncounted them.
    if (this.#released) return;
    this.#pending--;
    this.ctx.metrics.pendingSends.dec();
    this.send(answer);
    if (this.#pending === 0 && this.#drained !== undefined) {
      this.#drained();
      return;
    }
    if (this.#paused && !this.draining && this.#pending < this.#maxInflight) {
      void this.#resumeWhenDrained();
    }
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.ctx.ws.pause();
  }

  async #resumeWhenDrained(): Promise<void> {
    // Keep the socket paused while our own answers pile up in its buffer: a client that
    // publishes but never reads would otherwise grow it without bound.
    const ok = await this.waitForDrain();
    if (!ok || !this.#paused || this.draining) return;
    this.#paused = false;
    this.ctx.ws.resume();
  }

  async onClosed(): Promise<void> {
    this.closed = true;
    this.#released = true;
    this.ctx.metrics.pendingSends.dec(this.#pending);
    this.#pending = 0;
    this.#drained?.();
    await this.#producer.close();
  }

  async drain(): Promise<void> {
    this.draining = true;
    // Stop reading: frames not yet read are not publishes the client was promised anything for.
    this.#pause();
    if (this.#pending > 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
      });
    }
    this.close(CLOSE_CODES.GOING_AWAY, 'Gateway shutting down');
  }

  override close(code: CloseCode, reason: string): void {
    super.close(code, reason);
    // A paused socket would never read the client's close echo, so the closing handshake
    // could not finish; frames read after this point are dropped (`closed` is set).
    if (this.#paused) {
      this.#paused = false;
      this.ctx.ws.resume();
    }
  }
}
