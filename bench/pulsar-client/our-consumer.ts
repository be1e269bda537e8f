/**
 * Our side of the consume benchmark, in its own Node process like pulsar-perf: an Exclusive
 * subscription from the earliest message that acknowledges every message (without awaiting each
 * ack, as pulsar-perf's acknowledgeAsync does) and stops after `--messages`. Prints one line
 * `RESULT {json}` (a {@link ConsumerRunResult}) on stdout.
 *
 *   node bench/pulsar-client/our-consumer.ts --service-url pulsar://127.0.0.1:6650 --topic t \
 *     --subscription s --messages 100000
 */
import { parseArgs } from 'node:util';
import { Consumer, PulsarClient, isPulsarError } from '../../src/pulsar/index.ts';

export interface ConsumerRunResult {
  received: number;
  /** Subscribed to the last message received, ms. */
  elapsedMs: number;
  msgPerSec: number;
  ackFailed: number;
  firstError?: string;
}

const { values } = parseArgs({
  options: {
    'service-url': { type: 'string' },
    topic: { type: 'string' },
    subscription: { type: 'string', default: 'bench' },
    messages: { type: 'string' },
    'receiver-queue': { type: 'string', default: '1000' },
  },
  strict: true,
});
const serviceUrl = values['service-url'];
const topic = values.topic;
if (serviceUrl === undefined || topic === undefined || values.messages === undefined) {
  throw new Error('--service-url, --topic and --messages are required');
}
const target = Number(values.messages);

const client = new PulsarClient({ serviceUrl });
const consumer = await Consumer.create(client, {
  topic,
  subscription: values.subscription,
  subscriptionType: 'Exclusive',
  initialPosition: 'Earliest',
  receiverQueueSize: Number(values['receiver-queue']),
});

let ackFailed = 0;
let acksPending = 0;
let firstError: string | undefined;
const onAckError = (err: unknown): void => {
  ackFailed++;
  firstError ??= isPulsarError(err) ? `${err.code}: ${err.message}` : String(err);
};

const start = performance.now();
let received = 0;
let end = start;
while (received < target) {
  const msg = await consumer.receive();
  received++;
  end = performance.now();
  acksPending++;
  consumer.acknowledge(msg).then(() => acksPending--, onAckError);
}
// Acks are part of the work: wait (briefly) for them before reporting, but not into the window.
const ackDeadline = performance.now() + 10_000;
while (acksPending - ackFailed > 0 && performance.now() < ackDeadline) {
  await new Promise((r) => setTimeout(r, 10));
}
await consumer.close();
await client.close();

const elapsedMs = end - start;
const result: ConsumerRunResult = {
  received,
  elapsedMs,
  msgPerSec: elapsedMs > 0 ? (received * 1000) / elapsedMs : 0,
  ackFailed,
  ...(firstError === undefined ? {} : { firstError }),
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
