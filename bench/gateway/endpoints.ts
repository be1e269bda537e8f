/**
 * The two ways the load generator reaches Pulsar, behind one small interface so every workload
 * drives each target with exactly the same logic: a WebSocket endpoint (the Java proxy or our
 * gateway, Pulsar's WebSocket API, pulsar-websocket-api.md §4–5) or our Pulsar client talking to
 * the broker directly (the limit a gateway can approach).
 */
import WebSocket from 'ws';
import {
  Consumer,
  Producer,
  PulsarClient,
  isPulsarError,
  type ConsumerMessage,
} from '../../src/pulsar/index.ts';

/** Where the load goes. */
export type Endpoint = { kind: 'ws'; wsUrl: string } | { kind: 'direct'; serviceUrl: string };

/** Answer of one publish, correlated by the sequence number the load generator chose. */
export type OnAnswer = (seq: number, ok: boolean, error?: string) => void;

/** One producer connection. */
export interface Publisher {
  /** Publishes `payload` (base64 text for WebSocket targets, bytes for the direct client). */
  publish(seq: number, payload: PayloadPair): void;
  close(): Promise<void>;
}

/** The same payload in both encodings, computed once by the caller. */
export interface PayloadPair {
  bytes: Buffer;
  base64: string;
}

/**
 * One consumer connection. `onMessage` gets the first 8 payload bytes read as a little-endian
 * double (the end-to-end workload stores its send time there) and is called once per message
 * after it has been acknowledged.
 */
export interface Subscriber {
  close(): Promise<void>;
}

export type OnMessage = (sentAt: number) => void;

/** Shared by every direct publisher/subscriber of a load process, like one gateway's client. */
let directClient: PulsarClient | undefined;
function clientFor(serviceUrl: string): PulsarClient {
  directClient ??= new PulsarClient({ serviceUrl });
  return directClient;
}

/** Closes the direct client if one was opened. */
export async function closeEndpoints(): Promise<void> {
  await directClient?.close();
  directClient = undefined;
}

const errorText = (err: unknown): string =>
  isPulsarError(err) ? `${err.code}: ${err.message}` : String(err);

/**
 * Opens a WebSocket without permessage-deflate: the `ws` client offers it by default and Jetty
 * accepts it while our gateway does not, which would compare compression rather than gateways.
 */
export function openWs(
  url: string,
  onMessage?: (ws: WebSocket, data: WebSocket.RawData) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 60_000 });
    // Before the handshake completes: a first frame can share the TCP chunk with the 101.
    if (onMessage !== undefined)
      ws.on('message', (data) => {
        onMessage(ws, data);
      });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      ws.on('error', () => undefined);
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`upgrade refused: HTTP ${res.statusCode ?? 0} for ${url}`));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

function closeWs(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 5000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000);
  });
}

const CONTEXT_FIELD = '"context":"';

/** The `context` of an answer, read without a full JSON parse (the generator must stay light). */
function contextOf(text: string): number {
  const i = text.indexOf(CONTEXT_FIELD);
  if (i === -1) return -1;
  const from = i + CONTEXT_FIELD.length;
  return Number(text.slice(from, text.indexOf('"', from)));
}

/** Opens one producer connection on `topic` (a short name in public/default). */
export async function openPublisher(
  ep: Endpoint,
  topic: string,
  batching: boolean,
  onAnswer: OnAnswer,
): Promise<Publisher> {
  if (ep.kind === 'ws') {
    // The Java proxy's defaults (§4.1): batching off; with batching, 1 ms and 1000 messages.
    const query = batching ? '?batchingEnabled=true&batchingMaxPublishDelay=1' : '';
    const ws = await openWs(
      `${ep.wsUrl}/ws/v2/producer/persistent/public/default/${topic}${query}`,
    );
    ws.on('message', (data) => {
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- text frames arrive as Buffer
      const text = data.toString();
      const seq = contextOf(text);
      if (text.includes('"result":"ok"')) onAnswer(seq, true);
      else onAnswer(seq, false, text.slice(0, 300));
    });
    return {
      publish(seq, payload) {
        ws.send(`{"payload":"${payload.base64}","context":"${seq}"}`);
      },
      close: () => closeWs(ws),
    };
  }
  const producer = await Producer.create(clientFor(ep.serviceUrl), {
    topic,
    batchingEnabled: batching,
    batchingMaxPublishDelayMs: 1,
    batchingMaxMessages: 1000,
    sendTimeoutMs: 30_000,
  });
  return {
    publish(seq, payload) {
      producer.send({ payload: payload.bytes }).then(
        () => {
          onAnswer(seq, true);
        },
        (err: unknown) => {
          onAnswer(seq, false, errorText(err));
        },
      );
    },
    close: () => producer.close(),
  };
}

const MESSAGE_ID_FIELD = '"messageId":"';
const PAYLOAD_FIELD = '"payload":"';

/** Reads the 8-byte send time at the start of a base64 payload (12 base64 chars = 9 bytes). */
function sentAtOf(text: string): number {
  const i = text.indexOf(PAYLOAD_FIELD);
  if (i === -1) return NaN;
  const from = i + PAYLOAD_FIELD.length;
  const head = Buffer.from(text.slice(from, from + 12), 'base64');
  return head.length >= 8 ? head.readDoubleLE(0) : NaN;
}

/**
 * Opens one consumer on `topic`/`subscription` (Exclusive, from the earliest message) that
 * acknowledges every message. Pull mode sends permits in steps of `PULL_STEP`, keeping up to
 * 2 × `PULL_STEP` granted ahead, as a client that reads in pages would.
 */
export async function openSubscriber(
  ep: Endpoint,
  topic: string,
  subscription: string,
  mode: 'push' | 'pull',
  onMessage: OnMessage,
): Promise<Subscriber> {
  if (ep.kind === 'ws') {
    const pull = mode === 'pull' ? '&pullMode=true' : '';
    let received = 0;
    const permit = (ws: WebSocket, n: number): void => {
      ws.send(`{"type":"permit","permitMessages":${n}}`);
    };
    const ws = await openWs(
      `${ep.wsUrl}/ws/v2/consumer/persistent/public/default/${topic}/${subscription}` +
        `?subscriptionInitialPosition=Earliest&receiverQueueSize=1000${pull}`,
      (socket, data) => {
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- text frames arrive as Buffer
        const text = data.toString();
        const i = text.indexOf(MESSAGE_ID_FIELD);
        if (i === -1) return;
        const from = i + MESSAGE_ID_FIELD.length;
        const id = text.slice(from, text.indexOf('"', from));
        socket.send(`{"messageId":"${id}"}`);
        received++;
        if (mode === 'pull' && received % PULL_STEP === 0) permit(socket, PULL_STEP);
        onMessage(sentAtOf(text));
      },
    );
    if (mode === 'pull') permit(ws, 2 * PULL_STEP);
    return { close: () => closeWs(ws) };
  }
  const consumer = await Consumer.create(clientFor(ep.serviceUrl), {
    topic,
    subscription,
    subscriptionType: 'Exclusive',
    initialPosition: 'Earliest',
    receiverQueueSize: 1000,
  });
  const state = { open: true };
  // A function, not the field: the loop's awaits change it behind the type checker's back.
  const isOpen = (): boolean => state.open;
  const loop = async (): Promise<void> => {
    while (isOpen()) {
      let msg: ConsumerMessage;
      try {
        msg = await consumer.receive();
      } catch (err) {
        if (!isOpen()) return;
        throw err;
      }
      consumer.acknowledge(msg).catch(() => undefined);
      onMessage(msg.payload.length >= 8 ? msg.payload.readDoubleLE(0) : NaN);
    }
  };
  const running = loop();
  return {
    async close() {
      state.open = false;
      await consumer.close();
      await running.catch(() => undefined);
    },
  };
}

/** Pull-mode permit step (messages). */
export const PULL_STEP = 500;
