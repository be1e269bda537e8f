/**
 * The load generator of bench/gateway, run by run.ts in its own process (never inside a gateway
 * under test). One workload per process; prints `RESULT {json}` on stdout (the idle workload
 * prints `OPENED {json}` once its connections are up and `IDLE_END {json}` on SIGTERM).
 *
 *   node bench/gateway/load.ts produce --ws-url ws://127.0.0.1:8080 --topic-prefix t \
 *     --connections 16 [--batching] --duration 8 --warmup 2 [--rate 2000] [--messages 100]
 *   node bench/gateway/load.ts consume --service-url pulsar://127.0.0.1:6650 --topic t \
 *     --subscription s --mode push|pull --messages 100000
 *   node bench/gateway/load.ts e2e --ws-url ... --topic t --rate 2000 --duration 10 --warmup 3
 *   node bench/gateway/load.ts idle --ws-url ... --topic-prefix t --connections 5000
 *
 * Every publish carries `context` = a sequence number, and its answer is matched back through
 * it: a publish is counted once answered, and the ones never answered are reported.
 */
import { randomFillSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import type WebSocket from 'ws';
import { LatencyRecorder, type LatencySummary } from '../pulsar-client/latency-recorder.ts';
import {
  closeEndpoints,
  openPublisher,
  openSubscriber,
  openWs,
  type Endpoint,
  type PayloadPair,
  type Publisher,
} from './endpoints.ts';

/** Result of the produce workload. */
export interface ProduceResult {
  connections: number;
  sent: number;
  acked: number;
  failed: number;
  /** Publishes with no answer {@link SETTLE_MS} after the last send. */
  unanswered: number;
  /** Acknowledged publishes / (last answer − first publish), s⁻¹. */
  msgPerSec: number;
  /** Publish-to-answer latency of publishes sent after the warm-up, ms. */
  latency: LatencySummary;
  /** CPU seconds the load generator itself used (to see whether it was the bottleneck). */
  loadCpuS: number;
  firstError?: string;
}

/** Result of the consume workload. */
export interface ConsumeResult {
  received: number;
  elapsedMs: number;
  msgPerSec: number;
  loadCpuS: number;
}

/** Result of the end-to-end workload. */
export interface E2eResult {
  sent: number;
  acked: number;
  failed: number;
  received: number;
  /** Publish call on one connection to delivery on the other, ms (after the warm-up). */
  latency: LatencySummary;
  firstError?: string;
}

/** How long to wait for outstanding answers after the last publish (a send timeout is 30 s). */
const SETTLE_MS = 120_000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'ws-url': { type: 'string' },
    'service-url': { type: 'string' },
    topic: { type: 'string' },
    'topic-prefix': { type: 'string' },
    subscription: { type: 'string', default: 'bench' },
    mode: { type: 'string', default: 'push' },
    connections: { type: 'string', default: '1' },
    topics: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '200' },
    batching: { type: 'boolean', default: false },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    rate: { type: 'string', default: '0' },
    messages: { type: 'string' },
    'max-pending': { type: 'string', default: '1000' },
    size: { type: 'string', default: '1024' },
    timeout: { type: 'string', default: '180' },
  },
  strict: true,
});

function endpoint(): Endpoint {
  if (values['ws-url'] !== undefined) return { kind: 'ws', wsUrl: values['ws-url'] };
  if (values['service-url'] !== undefined)
    return { kind: 'direct', serviceUrl: values['service-url'] };
  throw new Error('give --ws-url or --service-url');
}

function required(name: 'topic' | 'topic-prefix'): string {
  const v = values[name];
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

/** Random bytes (incompressible, like pulsar-perf's) in both encodings. */
function randomPayload(size: number): PayloadPair {
  const bytes = randomFillSync(Buffer.alloc(size));
  return { bytes, base64: bytes.toString('base64') };
}

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function produce(): Promise<ProduceResult> {
  const ep = endpoint();
  const prefix = required('topic-prefix');
  const n = Number(values.connections);
  const window = Number(values['max-pending']);
  const rate = Number(values.rate);
  const perConnLimit = values.messages === undefined ? Infinity : Number(values.messages);
  const durationMs =
    values.messages === undefined ? Number(values.duration) * 1000 : Number(values.timeout) * 1000;
  const warmupMs = values.messages === undefined ? Number(values.warmup) * 1000 : 0;
  const payload = randomPayload(Number(values.size));
  const latency = new LatencyRecorder();

  interface Conn {
    pub: Publisher;
    sentAt: Map<number, number>;
    issued: number;
  }
  const conns: Conn[] = [];
  let seq = 0;
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let firstError: string | undefined;
  const run = { stopped: false };
  let start = 0;
  let warmupEnd = 0;
  let lastAck = 0;
  let outstanding = 0;
  let allAnswered: () => void = () => undefined;

  const sendOn = (c: Conn): void => {
    const s = seq++;
    c.issued++;
    sent++;
    outstanding++;
    c.sentAt.set(s, performance.now());
    c.pub.publish(s, payload);
  };
  const pumpConn = (c: Conn): void => {
    while (!run.stopped && c.sentAt.size < window && c.issued < perConnLimit) sendOn(c);
    if (c.issued >= perConnLimit && conns.every((x) => x.issued >= perConnLimit))
      run.stopped = true;
  };

  for (let i = 0; i < n; i++) {
    const conn: Conn = { pub: undefined as unknown as Publisher, sentAt: new Map(), issued: 0 };
    conns.push(conn);
  }
  await Promise.all(
    conns.map(async (c, i) => {
      c.pub = await openPublisher(ep, `${prefix}-${i}`, values.batching, (s, ok, error) => {
        const t0 = c.sentAt.get(s);
        if (t0 === undefined) return; // not ours, or answered twice: never counted twice
        c.sentAt.delete(s);
        outstanding--;
        const now = performance.now();
        if (ok) {
          acked++;
          lastAck = now;
          if (t0 >= warmupEnd) latency.record(now - t0);
        } else {
          failed++;
          firstError ??= error;
        }
        if (run.stopped) {
          if (outstanding === 0) allAnswered();
        } else if (rate === 0) {
          pumpConn(c);
        }
      });
    }),
  );
  const cpu0 = cpuSeconds();
  start = performance.now();
  warmupEnd = start + warmupMs;
  const deadline = start + durationMs;
  const done = new Promise<void>((resolve) => {
    allAnswered = resolve;
  });
  if (rate === 0) {
    for (const c of conns) pumpConn(c);
  } else {
    // Fixed rate: each tick issues what the schedule says is due, round-robin over connections,
    // so timer jitter becomes a small burst rather than a lower rate.
    let next = 0;
    const tick = (): void => {
      if (run.stopped) return;
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      let guard = 0;
      while (sent < due && guard < n) {
        const c = conns[next++ % n]!;
        if (c.sentAt.size < window && c.issued < perConnLimit) {
          sendOn(c);
          guard = 0;
        } else guard++;
      }
      if (conns.every((x) => x.issued >= perConnLimit)) run.stopped = true;
      else setTimeout(tick, 1);
    };
    tick();
  }
  while (!run.stopped && performance.now() < deadline) await sleep(20);
  run.stopped = true;
  if (outstanding > 0) await Promise.race([done, sleep(SETTLE_MS)]);
  const loadCpuS = cpuSeconds() - cpu0;
  // Every acknowledged publish over first send → last answer: with 1,000 publishes outstanding
  // per connection, the backlog at the end is seconds of work on this machine, so a fixed window
  // would count the start-up burst's answers or miss the tail's.
  const measuredMs = Math.max(1, lastAck - start);
  await Promise.all(conns.map((c) => c.pub.close()));
  return {
    connections: n,
    sent,
    acked,
    failed,
    unanswered: outstanding,
    msgPerSec: (acked * 1000) / measuredMs,
    latency: latency.summary(),
    loadCpuS,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

async function consume(): Promise<ConsumeResult> {
  const target = Number(values.messages);
  const mode = values.mode === 'pull' ? 'pull' : 'push';
  let received = 0;
  let end = 0;
  let reached: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const sub = await openSubscriber(endpoint(), required('topic'), values.subscription, mode, () => {
    received++;
    if (received === target) {
      end = performance.now();
      reached();
    }
  });
  await Promise.race([done, sleep(Number(values.timeout) * 1000)]);
  const loadCpuS = cpuSeconds() - cpu0;
  await sub.close();
  if (received < target) throw new Error(`consumed ${received} of ${target} before the timeout`);
  const elapsedMs = end - t0;
  return { received, elapsedMs, msgPerSec: (received * 1000) / elapsedMs, loadCpuS };
}

async function e2e(): Promise<E2eResult> {
  const ep = endpoint();
  const topic = required('topic');
  const rate = Number(values.rate);
  const durationMs = Number(values.duration) * 1000;
  const warmupMs = Number(values.warmup) * 1000;
  const latency = new LatencyRecorder();
  const base = randomFillSync(Buffer.alloc(Number(values.size)));
  let received = 0;
  let start = Infinity;
  const sub = await openSubscriber(ep, topic, values.subscription, 'push', (sentAt) => {
    received++;
    if (sentAt >= start + warmupMs) latency.record(performance.now() - sentAt);
  });
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let firstError: string | undefined;
  const pub = await openPublisher(ep, topic, false, (_seq, ok, error) => {
    if (ok) acked++;
    else {
      failed++;
      firstError ??= error;
    }
  });
  start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (now - start >= durationMs) {
        resolve();
        return;
      }
      const due = Math.floor(((now - start) / 1000) * rate);
      while (sent < due) {
        // The send time travels in the payload, so delivery on the other connection can be timed.
        base.writeDoubleLE(performance.now(), 0);
        pub.publish(sent++, { bytes: Buffer.from(base), base64: base.toString('base64') });
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  const settleBy = performance.now() + 30_000;
  while ((acked + failed < sent || received < acked) && performance.now() < settleBy)
    await sleep(20);
  await pub.close();
  await sub.close();
  return {
    sent,
    acked,
    failed,
    received,
    latency: latency.summary(),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/**
 * Opens `connections` idle producer sessions (spread over `topics` topics, `concurrency`
 * handshakes at a time), reports, then holds them until SIGTERM.
 */
async function idle(): Promise<void> {
  const ep = endpoint();
  if (ep.kind !== 'ws') throw new Error('the idle workload needs --ws-url');
  const prefix = required('topic-prefix');
  const n = Number(values.connections);
  const topics = Number(values.topics);
  const sockets: WebSocket[] = [];
  let next = 0;
  let failed = 0;
  let closedEarly = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      try {
        const ws = await openWs(
          `${ep.wsUrl}/ws/v2/producer/persistent/public/default/${prefix}-${i % topics}`,
        );
        ws.on('close', () => {
          closedEarly++;
        });
        sockets.push(ws);
      } catch (err) {
        failed++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
  const report = {
    opened: sockets.length,
    failed,
    openMs: performance.now() - t0,
    ...(firstError === undefined ? {} : { firstError }),
  };
  process.stdout.write(`OPENED ${JSON.stringify(report)}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
  });
  process.stdout.write(`IDLE_END ${JSON.stringify({ closedEarly })}\n`);
  for (const ws of sockets) {
    ws.removeAllListeners('close');
    ws.terminate();
  }
}

const workload = positionals[0];
let result: unknown;
switch (workload) {
  case 'produce':
    result = await produce();
    break;
  case 'consume':
    result = await consume();
    break;
  case 'e2e':
    result = await e2e();
    break;
  case 'idle':
    await idle();
    break;
  case undefined:
  default:
    throw new Error(`unknown workload "${String(workload)}" (produce, consume, e2e, idle)`);
}
await closeEndpoints();
if (result !== undefined) process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
// Sockets of closed sessions may hold the loop a little longer; the result is out.
process.exit(0);
