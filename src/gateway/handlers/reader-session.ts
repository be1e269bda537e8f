import type { Reader } from '../../pulsar/index.ts';
import { encodeMessageIdBase64, isPulsarError } from '../../pulsar/index.ts';
import { CLOSE_CODES } from '../errors.ts';
import { endOfTopicResponse, serializePushedMessage } from '../protocol/consumer-message.ts';
import { parseReaderCommand } from '../protocol/reader-command.ts';
import type { SessionContext } from './session-base.ts';
import { SessionBase } from './session-base.ts';

/**
 * One reader WebSocket (pulsar-websocket-api.md §7): pushes from the start position at once, at
 * most `maxPendingMessages` ahead of the client; **any** valid JSON frame other than
 * `isEndOfTopic` frees one slot (nothing goes to the broker, §7.2). Invalid JSON closes with
 * 1007 (compatibility C3).
 */
export class ReaderSession extends SessionBase {
  readonly #reader: Reader;
  readonly #max: number;
  readonly #abort = new AbortController();
  #pending = 0;
  #loopRunning = false;

  constructor(ctx: SessionContext, reader: Reader, maxPendingMessages: number) {
    super(ctx);
    this.#reader = reader;
    this.#max = maxPendingMessages;
  }

  /** Starts delivery (readers push from the moment they connect, §10). */
  start(): void {
    this.#ensureLoop();
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
    const prev = this.#pending;
    this.#pending--;
    if (prev >= this.#max) this.#ensureLoop();
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
        const msg = await this.#reader.readNext(this.#abort.signal);
        if (this.closed) return;
        this.send(
          serializePushedMessage({
            messageId: encodeMessageIdBase64(msg.id),
            payload: msg.payload,
            properties: msg.properties,
            publishTimeMs: msg.publishTime,
            redeliveryCount: msg.redeliveryCount,
            eventTimeMs: msg.eventTime,
            key: msg.key,
          }),
        );
        this.#pending++;
      } while (this.#pending < this.#max);
    } catch (err) {
      if (this.closed || isPulsarError(err, 'PULSAR_ERR_CLOSED')) return;
      this.ctx.logger.warn({ err }, 'reader failed; closing the session');
      this.close(CLOSE_CODES.INTERNAL_ERROR, 'Reader failed');
    } finally {
      this.#loopRunning = false;
    }
  }

  async onClosed(): Promise<void> {
    this.closed = true;
    this.#abort.abort(new Error('session closed'));
    await this.#reader.close();
  }

  drain(): Promise<void> {
    this.draining = true;
    this.close(CLOSE_CODES.GOING_AWAY, 'Gateway shutting down');
    return Promise.resolve();
  }
}
