import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import { rawToString } from '../../helpers/ws-client.ts';

/** What happened to one connection of a {@link ReconnectingProducer}. */
export interface ConnectionRecord {
  /** Contexts sent on this connection. */
  sent: string[];
  /** Context → result of each answer received on this connection. */
  answers: Map<string, string>;
  /** Close code, once closed. */
  closeCode: number | undefined;
}

/**
 * A producer client as applications write them: publishes continuously with a few publishes
 * in flight, and when the gateway closes the connection (1001 on drain) opens a new one through
 * the same URL and carries on. Records, per connection, what was sent and what was answered, so
 * a test can check that every in-flight publish got its answer before the close.
 */
export class ReconnectingProducer {
  readonly connections: ConnectionRecord[] = [];
  /** Payloads the broker acknowledged (result ok). */
  readonly acked = new Set<string>();
  readonly #url: string;
  readonly #id: string;
  readonly #inflight: number;
  #stopped = false;
  #seq = 0;
  #loop: Promise<void> | undefined;
  #connectFailures = 0;

  constructor(url: string, id: string, inflight = 3) {
    this.#url = url;
    this.#id = id;
    this.#inflight = inflight;
  }

  /** Failed connection attempts (refused while no pod was ready, for instance). */
  get connectFailures(): number {
    return this.#connectFailures;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops publishing, waits for the answers in flight and closes the connection. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #connect(): Promise<WebSocket> {
    for (;;) {
      const ws = new WebSocket(this.#url);
      const ok = await new Promise<boolean>((resolve) => {
        ws.once('open', () => {
          resolve(true);
        });
        ws.once('error', () => {
          resolve(false);
        });
        ws.once('unexpected-response', () => {
          ws.terminate();
          resolve(false);
        });
      });
      if (ok) return ws;
      this.#connectFailures++;
      await delay(200);
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const ws = await this.#connect();
      const rec: ConnectionRecord = { sent: [], answers: new Map(), closeCode: undefined };
      this.connections.push(rec);
      const waiters = new Map<string, () => void>();
      const closed = new Promise<void>((resolve) => {
        ws.on('close', (code) => {
          rec.closeCode = code;
          for (const w of waiters.values()) w();
          resolve();
        });
      });
      ws.on('error', () => undefined);
      ws.on('message', (data) => {
        const ack = JSON.parse(rawToString(data)) as Record<string, unknown>;
        const context = String(ack['context']);
        rec.answers.set(context, String(ack['result']));
        if (ack['result'] === 'ok') this.acked.add(context);
        waiters.get(context)?.();
      });
      const worker = async (): Promise<void> => {
        while (!this.#stopped && rec.closeCode === undefined) {
          const context = `${this.#id}-${this.#seq++}`;
          const answered = new Promise<void>((resolve) => waiters.set(context, resolve));
          rec.sent.push(context);
          ws.send(JSON.stringify({ payload: Buffer.from(context).toString('base64'), context }));
          await answered;
          waiters.delete(context);
          await delay(20);
        }
      };
      await Promise.race([
        Promise.all(Array.from({ length: this.#inflight }, () => worker())),
        closed,
      ]);
      if (rec.closeCode === undefined) {
        ws.close(1000);
        await closed;
      }
    }
  }
}
