import type { ConsumerMessage, Reader } from '../../pulsar/index.ts';
import { endOfTopicResponse } from '../protocol/consumer-message.ts';
import { parseReaderCommand } from '../protocol/reader-command.ts';
import { DeliverySession } from './delivery-session.ts';
import type { SessionContext } from './session-base.ts';

/**
 * One reader WebSocket (pulsar-websocket-api.md §7): pushes from the start position at once, at
 * most `maxPendingMessages` ahead of the client; **any** valid JSON frame other than
 * `isEndOfTopic` frees one slot (nothing goes to the broker, §7.2). Invalid JSON closes with
 * 1007 (compatibility C3). The loop and the window are {@link DeliverySession}'s.
 */
export class ReaderSession extends DeliverySession {
  readonly #reader: Reader;

  constructor(ctx: SessionContext, reader: Reader, maxPendingMessages: number) {
    super(ctx, { pullMode: false, maxPendingMessages, failureReason: 'Reader failed' });
    this.#reader = reader;
  }

  protected receiveNext(signal: AbortSignal): Promise<ConsumerMessage> {
    return this.#reader.readNext(signal);
  }

  protected onPushed(): void {
    // Readers do not ack: nothing to remember.
  }

  onText(text: string): void {
    const cmd = parseReaderCommand(text);
    if (cmd.kind === 'invalid') {
      this.close(cmd.closeCode, cmd.reason);
      return;
    }
    if (cmd.kind === 'isEndOfTopic') {
      this.send(endOfTopicResponse(this.#reader.isEndOfTopic));
      return;
    }
    this.releaseSlot();
  }

  async onClosed(): Promise<void> {
    this.stopDelivery();
    await this.#reader.close();
  }
}
