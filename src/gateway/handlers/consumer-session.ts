import type { ConsumerMessage, MessageConsumer, MessageId } from '../../pulsar/index.ts';
import { decodeMessageIdBase64 } from '../../pulsar/index.ts';
import { CLOSE_CODES } from '../errors.ts';
import type { ClientMessageId } from '../protocol/consumer-command.ts';
import { parseConsumerCommand } from '../protocol/consumer-command.ts';
import { endOfTopicResponse } from '../protocol/consumer-message.ts';
import { DeliverySession } from './delivery-session.ts';
import { MessageIdCache } from './message-id-cache.ts';
import type { SessionContext } from './session-base.ts';

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
 * reference's counter (§5.4, in {@link DeliverySession}): push mode keeps at most
 * `maxPendingMessages` unacked messages in flight (acks and nacks free a slot, even for unknown
 * ids); pull mode delivers what `permit` allowed, including the permit-0 quirk.
 */
export class ConsumerSession extends DeliverySession {
  readonly #consumer: MessageConsumer;
  readonly #ids: MessageIdCache;

  constructor(ctx: SessionContext, consumer: MessageConsumer, options: ConsumerSessionOptions) {
    super(ctx, { ...options, failureReason: 'Consumer failed' });
    this.#consumer = consumer;
    this.#ids = new MessageIdCache(ctx.clock);
  }

  protected receiveNext(signal: AbortSignal): Promise<ConsumerMessage> {
    return this.#consumer.receive(signal);
  }

  protected onPushed(base64Id: string, msg: ConsumerMessage): void {
    this.#ids.put(base64Id, msg.id);
  }

  onText(text: string): void {
    const cmd = parseConsumerCommand(text);
    switch (cmd.kind) {
      case 'invalid':
        this.ctx.logger.debug({ detail: cmd.detail }, 'invalid consumer command');
        this.close(cmd.closeCode, cmd.reason);
        return;
      case 'permit':
        // Push mode ignores permits (§5.3).
        if (this.pullMode) this.grantPermits(cmd.permitMessages);
        return;
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
        this.releaseSlot();
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

  async onClosed(): Promise<void> {
    this.stopDelivery();
    // Closing does not unsubscribe: unacked messages stay on the subscription (§5.5).
    await this.#consumer.close();
  }
}
