import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import { rawToString } from '../../helpers/ws-client.ts';

/**
 * A consumer client that acknowledges everything it receives and reconnects (same URL) when
 * the gateway closes it; collects the payloads (as text) and the close codes it saw.
 */
export class ReconnectingConsumer {
  readonly received = new Set<string>();
  /** Sessions opened so far. */
  opened = 0;
  /** Close codes of sessions that were open (refused attempts are not counted). */
  readonly closeCodes: number[] = [];
  readonly #url: string;
  #stopped = false;
  #ws: WebSocket | undefined;
  #loop: Promise<void> | undefined;

  constructor(url: string) {
    this.#url = url;
  }

  #isStopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#ws?.close(1000);
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const ws = new WebSocket(this.#url);
      this.#ws = ws;
      const state = { opened: false };
      ws.on('open', () => {
        state.opened = true;
        this.opened++;
      });
      ws.on('error', () => undefined);
      ws.on('message', (data) => {
        const msg = JSON.parse(rawToString(data)) as Record<string, unknown>;
        this.received.add(Buffer.from(String(msg['payload']), 'base64').toString());
        ws.send(JSON.stringify({ messageId: msg['messageId'] }));
      });
      const code = await new Promise<number>((resolve) => {
        ws.once('close', (c) => {
          resolve(c);
        });
      });
      // Refused attempts (no ready pod, 503 while draining) are not closes of a session.
      if (!this.#isStopped() && state.opened) this.closeCodes.push(code);
      if (!this.#isStopped()) await delay(200);
    }
  }
}
