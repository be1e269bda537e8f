import type { MessageConsumer, MessageId } from '../../pulsar/index.ts';
import { decodeMessageIdBase64, encodeMessageIdBase64, isPulsarError } from '../../pulsar/index.ts';
import { CLOSE_CODES } from '../errors.ts';
import type { ClientMessageId } from '../protocol/consumer-command.ts';
import { parseConsumerCommand } from '../protocol/consumer-command.ts';
import { endOfTopicResponse, serializePushedMessage } from '../protocol/consumer-message.ts';
import { MessageIdCache } from './message-id-cache.ts';
import type { SessionContext } from './session-base.ts';
import { SessionBase } from './session-base.ts';

/** Flow settings of a consumer session (from `parseConsumerParams`). */
export interface ConsumerSessionOptions {
  /** `pullMode=true`: deliver only what `permit` commands allow (§5.4). */
  pullMode: boolean;
  /** Push window: `receiverQueueSize` capped at 1000, 1 when 0 (§5.4). */
  maxPendingMessages: number;
}

/**
 * One consumer WebSocket (pulsar-websocket-api.md §5), single-topic or v3 multi-topic: pushes
 * messages in the reference's JSON (§5.2) and runs its commands (§5.3). Flow control is the
 * reference's counter (§5.4): push mode keeps at most `maxPendingMessages` unacked messages in
 * flight (acks and nacks free a slot, even for unknown ids); pull mode delivers what `permit`
 * allowed, including the permit-0 quirk (one extra message). Delivery also waits while the
 * client's socket buffer is over its cap; since the gateway then stops calling `receive`, the
 * client stops granting the broker permits (issue 4).
 */
export class ConsumerSession extends SessionBase {
  readonly #consumer: MessageConsumer;
  readonly #pull: boolean;
  readonly #max: number;
  readonly #ids: MessageIdCache;
  readonly #abort = new AbortController();
  #pending = 0;
  #loopRunning = false;

  constructor(ctx: SessionContext, consumer: MessageConsumer, options: ConsumerSessionOptions) {
    super(ctx);
    this.#consumer = consumer;
    this.#pull = options.pullMode;
    this.#max = options.maxPendingMessages;
    this.#ids = new MessageIdCache(ctx.clock);
  }

  /** Starts delivery: at once in push mode, on the first `permit` in pull mode (§10). */
  start(): void {
    if (!this.#pull) this.#ensureLoop();
  }

  onText(text: string): void {
    const cmd = parseConsumerCommand(text);
    switch (cmd.kind) {
      case 'invalid':
        this.ctx.logger.debug({ detail: cmd.detail }, 'invalid consumer command');
        this.close(cmd.closeCode, cmd.reason);
        return;
      case 'permit': {
        // Push mode ignores permits (§5.3).
        if (!this.#pull) return;
        const prev = this.#pending;
        this.#pending -= cmd.permitMessages;
        this.#updatePermitGauge(prev);
        if (prev >= 0) this.#ensureLoop();
        return;
      }
      case 'unsubscribe':
        this.#consumer.unsubscribe().then(
          () => {
            this.ctx.logger.info({}, 'unsubscribed');
          },
          (err: unknown) => {
            // C4: the broker's failure, not bad data → 1011.
            this.ctx.logger.warn({ err }, 'unsubscribe failed');
            this.close(CLOSE_CODES.INTERNAL_ERROR, 'Failed to unsubscribe');
          },
        );
        return;
      case 'isEndOfTopic':
        this.send(endOfTopicResponse(this.#consumer.isEndOfTopic));
        return;
      case 'ack':
      case 'negativeAcknowledge': {
        const id = this.#resolve(cmd.messageId);
        if (id === undefined) return;
        if (cmd.kind === 'ack') {
          this.#consumer.acknowledge(id).catch((err: unknown) => {
            // Ack failures are silent to the client, as in the reference (§5.3).
            this.ctx.logger.debug({ err }, 'ack failed');
          });
        } else {
          try {
            this.#consumer.negativeAcknowledge(id);
          } catch (err) {
            this.ctx.logger.debug({ err }, 'negative ack failed');
          }
        }
        if (this.#pull) return;
        const prev = this.#pending;
        this.#pending--;
        if (prev >= this.#max) this.#ensureLoop();
        return;
      }
    }
  }

  /** Cached id, else decoded bytes; undecodable bytes close the session with 1007 (C1). */
  #resolve(m: ClientMessageId): MessageId | undefined {
    const cached = this.#ids.get(m.base64);
    if (cached !== undefined) {
      this.ctx.metrics.ackLatency.observe((this.ctx.clock.monotonic() - cached.at) / 1000);
      this.#ids.delete(m.base64);
      return cached.id;
    }
    try {
      return decodeMessageIdBase64(m.base64);
    } catch {
      this.close(CLOSE_CODES.INVALID_DATA, 'Invalid messageId');
      return undefined;
    }
  }

  #updatePermitGauge(prev: number): void {
    const before = Math.max(0, -prev);
    const after = Math.max(0, -this.#pending);
    if (after !== before) this.ctx.metrics.outstandingPermits.inc(after - before);
  }

  #ensureLoop(): void {
    if (this.#loopRunning || this.closed) return;
    this.#loopRunning = true;
    void this.#loop();
  }

  async #loop(): Promise<void> {
    try {
      do {
        if (!(await this.waitForDrain())) return;
        const msg = await this.#consumer.receive(this.#abort.signal);
        // A message received after the close stays unacked on the subscription (§10).
        if (this.closed) return;
        const id = encodeMessageIdBase64(msg.id);
        this.#ids.put(id, msg.id);
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
      } while (this.#pull ? this.#pending < 0 : this.#pending < this.#max);
    } catch (err) {
      if (this.closed) return;
      if (isPulsarError(err, 'PULSAR_ERR_CLOSED')) {
        // After `unsubscribe` the reference keeps the socket open and only logs (§5.3).
        this.ctx.logger.info({}, 'consumer closed; delivery stopped');
        return;
      }
      this.ctx.logger.warn({ err }, 'consumer failed; closing the session');
      this.close(CLOSE_CODES.INTERNAL_ERROR, 'Consumer failed');
    } finally {
      this.#loopRunning = false;
    }
  }

  async onClosed(): Promise<void> {
    this.closed = true;
    if (this.#pull && this.#pending < 0) this.ctx.metrics.outstandingPermits.dec(-this.#pending);
    this.#pending = 0;
    this.#abort.abort(new Error('session closed'));
    // Closing does not unsubscribe: unacked messages stay on the subscription (§5.5).
    await this.#consumer.close();
  }

  drain(): Promise<void> {
    this.draining = true;
    this.close(CLOSE_CODES.GOING_AWAY, 'Gateway shutting down');
    return Promise.resolve();
  }
}
