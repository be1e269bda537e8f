import type WebSocket from 'ws';
import { rawToString } from './ws-client.ts';

/**
 * Buffers every JSON message of a WebSocket from the moment it is attached. `nextJson` in
 * ws-client.ts listens with `once`, so when several frames arrive in one TCP chunk (a burst of
 * pushed messages) the ones emitted before the next call are lost; reading many messages needs
 * this queue.
 */
export class WsQueue {
  readonly #queue: Record<string, unknown>[] = [];
  #waiter: ((msg: Record<string, unknown>) => void) | undefined;

  constructor(ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const msg = JSON.parse(rawToString(data)) as Record<string, unknown>;
      const waiter = this.#waiter;
      if (waiter === undefined) this.#queue.push(msg);
      else {
        this.#waiter = undefined;
        waiter(msg);
      }
    });
  }

  /** The next message, waiting up to `timeoutMs`; rejects when none arrives. */
  next(timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = (msg) => {
        clearTimeout(timer);
        resolve(msg);
      };
    });
  }
}
