import type WebSocket from 'ws';
import { pulsarEnv } from './test-env.ts';
import { closeWs, openWs, rawToString } from './ws-client.ts';

/** One message for the Java WebSocket proxy's producer endpoint. */
export interface WsProduceMessage {
  payload: string | Buffer;
  properties?: Record<string, string>;
  key?: string;
  eventTime?: number;
}

/**
 * A producer session on the Java WebSocket proxy embedded in the broker (the reference
 * implementation), used to feed our consumer with messages the Java client produced.
 */
export class WsProducer {
  readonly #ws: WebSocket;
  #next = 0;
  readonly #pending = new Map<
    string,
    { resolve: (id: string) => void; reject: (e: Error) => void }
  >();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data) => {
      const ack = JSON.parse(rawToString(data)) as Record<string, unknown>;
      const context = String(ack['context']);
      const waiter = this.#pending.get(context);
      if (waiter === undefined) return;
      this.#pending.delete(context);
      if (ack['result'] === 'ok') waiter.resolve(String(ack['messageId']));
      else waiter.reject(new Error(`produce failed: ${JSON.stringify(ack)}`));
    });
  }

  /**
   * Opens `/ws/v2/producer/persistent/public/default/<topic>` with optional query parameters
   * (`batchingEnabled`, `compressionType`, `batchingMaxMessages`, …). `topic` may be a short name
   * or a `persistent://tenant/ns/name` name.
   */
  static async open(topic: string, query: Record<string, string> = {}): Promise<WsProducer> {
    const path = topic.startsWith('persistent://')
      ? `persistent/${topic.slice('persistent://'.length)}`
      : `persistent/public/default/${topic}`;
    const qs = new URLSearchParams(query).toString();
    const url = `${pulsarEnv().wsUrl}/ws/v2/producer/${path}${qs === '' ? '' : `?${qs}`}`;
    return new WsProducer(await openWs(url));
  }

  /** Publishes and resolves with the base64 message id the Java proxy acked. */
  send(message: WsProduceMessage): Promise<string> {
    const context = `c${this.#next++}`;
    const payload = Buffer.isBuffer(message.payload)
      ? message.payload
      : Buffer.from(message.payload);
    const promise = new Promise<string>((resolve, reject) => {
      this.#pending.set(context, { resolve, reject });
    });
    this.#ws.send(
      JSON.stringify({
        payload: payload.toString('base64'),
        context,
        ...(message.properties === undefined ? {} : { properties: message.properties }),
        ...(message.key === undefined ? {} : { key: message.key }),
        ...(message.eventTime === undefined ? {} : { eventTime: message.eventTime }),
      }),
    );
    return promise;
  }

  /** Sends all messages at once (so batching can group them) and waits for every ack. */
  sendAll(messages: readonly WsProduceMessage[]): Promise<string[]> {
    return Promise.all(messages.map((m) => this.send(m)));
  }

  close(): Promise<void> {
    return closeWs(this.#ws);
  }
}

/** Creates a partitioned topic through the admin REST API. */
export async function createPartitionedTopic(topic: string, partitions: number): Promise<void> {
  const res = await fetch(
    `${pulsarEnv().adminUrl}/admin/v2/persistent/public/default/${topic}/partitions`,
    { method: 'PUT', headers: { 'content-type': 'application/json' }, body: String(partitions) },
  );
  if (!res.ok) throw new Error(`create partitioned topic: HTTP ${res.status} ${await res.text()}`);
}

/** Terminates a topic through the admin REST API. */
export async function terminateTopic(topic: string): Promise<void> {
  const res = await fetch(
    `${pulsarEnv().adminUrl}/admin/v2/persistent/public/default/${topic}/terminate`,
    { method: 'POST' },
  );
  if (!res.ok) throw new Error(`terminate: HTTP ${res.status} ${await res.text()}`);
}

/** Buffers every JSON frame a WebSocket receives, so none is missed between awaits. */
export class WsInbox {
  readonly #messages: Record<string, unknown>[] = [];
  readonly #waiters: ((m: Record<string, unknown>) => void)[] = [];

  constructor(ws: WebSocket) {
    ws.on('message', (data) => {
      const parsed = JSON.parse(rawToString(data)) as Record<string, unknown>;
      const waiter = this.#waiters.shift();
      if (waiter === undefined) this.#messages.push(parsed);
      else waiter(parsed);
    });
  }

  /** The next frame, waiting up to `timeoutMs`. */
  next(timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const queued = this.#messages.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(done), 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (m: Record<string, unknown>): void => {
        clearTimeout(timer);
        resolve(m);
      };
      this.#waiters.push(done);
    });
  }
}
