/**
 * Our side of the producer benchmark, in its own Node process so it is measured like pulsar-perf
 * (one client process next to the broker, nothing else on its event loop). Prints one line
 * `RESULT {json}` (a {@link ProducerRunResult}) on stdout; progress goes to stderr.
 *
 *   node bench/pulsar-client/our-producer.ts --service-url pulsar://127.0.0.1:6650 --topic t \
 *     [--batching] [--duration 15 | --messages 500] [--rate 2000] [--size 1024] \
 *     [--max-pending 1000] [--warmup 1]
 */
import { randomFillSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Producer, PulsarClient, isPulsarError } from '../../src/pulsar/index.ts';
import { LatencyRecorder, type LatencySummary } from './latency-recorder.ts';

export interface ProducerRunResult {
  /** Messages acknowledged by the broker. */
  acked: number;
  failed: number;
  /** First send to last receipt, ms. */
  elapsedMs: number;
  msgPerSec: number;
  /** Send-to-receipt latency of messages sent after the warm-up, ms. */
  latency: LatencySummary;
  /** First failure, for the report. */
  firstError?: string;
}

const { values } = parseArgs({
  options: {
    'service-url': { type: 'string' },
    topic: { type: 'string' },
    batching: { type: 'boolean', default: false },
    duration: { type: 'string' },
    messages: { type: 'string' },
    rate: { type: 'string', default: '0' },
    size: { type: 'string', default: '1024' },
    'max-pending': { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '1' },
  },
  strict: true,
});
const serviceUrl = values['service-url'];
const topic = values.topic;
if (serviceUrl === undefined || topic === undefined) {
  throw new Error('--service-url and --topic are required');
}
const durationMs = values.duration === undefined ? Infinity : Number(values.duration) * 1000;
const maxMessages = values.messages === undefined ? Infinity : Number(values.messages);
if (durationMs === Infinity && maxMessages === Infinity) {
  throw new Error('give --duration or --messages');
}
const rate = Number(values.rate);
const window = Number(values['max-pending']);
const warmupMs = Number(values.warmup) * 1000;

const client = new PulsarClient({ serviceUrl });
const producer = await Producer.create(client, {
  topic,
  batchingEnabled: values.batching,
  batchingMaxPublishDelayMs: 1,
  batchingMaxMessages: 1000,
  // pulsar-perf's default -bb; our default (128 KiB) would cap 1 KiB batches at ~127 messages.
  batchingMaxBytes: 4 * 1024 * 1024,
  maxPendingMessages: window,
  // pulsar-perf's --send-timeout default is 0 (none): a slow broker shows as latency, not errors.
  sendTimeoutMs: 0,
});

// Random bytes like pulsar-perf's payload, so neither side benefits from compressible data.
const payload = randomFillSync(Buffer.alloc(Number(values.size)));
const latency = new LatencyRecorder();
let issued = 0;
let acked = 0;
let failed = 0;
let inflight = 0;
let firstError: string | undefined;
let lastAck = 0;
let stopped = false;
let finish: () => void = () => undefined;
const done = new Promise<void>((resolve) => {
  finish = resolve;
});

const start = performance.now();
const warmupEnd = start + warmupMs;
const deadline = start + durationMs;

function settle(t0: number, ok: boolean, err?: unknown): void {
  inflight--;
  const now = performance.now();
  if (ok) {
    acked++;
    lastAck = now;
    if (t0 >= warmupEnd) latency.record(now - t0);
  } else {
    failed++;
    firstError ??= isPulsarError(err) ? `${err.code}: ${err.message}` : String(err);
  }
  if (stopped) {
    if (inflight === 0) finish();
  } else if (rate === 0) {
    pump();
  }
}

function sendOne(): void {
  issued++;
  inflight++;
  const t0 = performance.now();
  producer.send({ payload }).then(
    () => {
      settle(t0, true);
    },
    (err: unknown) => {
      settle(t0, false, err);
    },
  );
}

function shouldStop(now: number): boolean {
  return issued >= maxMessages || now >= deadline;
}

function stop(): void {
  if (stopped) return;
  stopped = true;
  if (inflight === 0) finish();
}

/** Unlimited rate: keep `window` sends outstanding, like Java's blockIfQueueFull. */
function pump(): void {
  if (shouldStop(performance.now())) {
    stop();
    return;
  }
  while (inflight < window && issued < maxMessages) sendOne();
}

/**
 * Fixed rate: every tick issues the sends that are due by the schedule, so timer jitter shows up
 * as a small burst rather than a lower rate (Guava's RateLimiter in pulsar-perf behaves alike).
 */
function tick(): void {
  const now = performance.now();
  if (shouldStop(now)) {
    stop();
    return;
  }
  const due = Math.min(maxMessages, Math.floor(((now - start) / 1000) * rate));
  while (issued < due && inflight < window) sendOne();
  setTimeout(tick, 1);
}

if (rate > 0) tick();
else pump();
// A duration run with all sends outstanding must still stop on time.
const timer = durationMs === Infinity ? undefined : setTimeout(stop, durationMs);
await done;
if (timer !== undefined) clearTimeout(timer);
const elapsedMs = (lastAck || performance.now()) - start;
await producer.close();
await client.close();

const result: ProducerRunResult = {
  acked,
  failed,
  elapsedMs,
  msgPerSec: elapsedMs > 0 ? (acked * 1000) / elapsedMs : 0,
  latency: latency.summary(),
  ...(firstError === undefined ? {} : { firstError }),
};
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
