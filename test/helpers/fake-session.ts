import { Registry } from 'prom-client';
import type WebSocket from 'ws';
import type { SessionContext } from '../../src/gateway/handlers/session-base.ts';
import { createGatewayMetrics } from '../../src/gateway/metrics.ts';
import type { Endpoint } from '../../src/gateway/metrics.ts';
import type { ConsumerMessage } from '../../src/pulsar/index.ts';
import { messageId } from '../../src/pulsar/index.ts';
import type { Clock } from '../../src/shared/index.ts';
import { FakeClock, silentLogger } from '../../src/shared/index.ts';

/**
 * The part of a `ws` WebSocket that the gateway's sessions touch, recording what they do: frames
 * sent, the close they sent, pause/resume of reading. `bufferedAmount` is set by tests to play a
 * slow client.
 */
export class FakeWs {
  readonly OPEN = 1;
  readonly CONNECTING = 0;
  readyState = 1;
  bufferedAmount = 0;
  paused = false;
  readonly sent: string[] = [];
  closedWith: [number, string] | undefined;
  send(text: string): void {
    this.sent.push(text);
  }
  close(code: number, reason: string): void {
    this.closedWith = [code, reason];
    this.readyState = 2;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  /** The frames sent, parsed as JSON. */
  json(): Record<string, unknown>[] {
    return this.sent.map((t) => JSON.parse(t) as Record<string, unknown>);
  }
}

/**
 * A session context around `ws` with fresh metrics, a silent logger and a fake clock (unless
 * given), a 1000-byte buffer cap and a 100 ms slow-client timeout unless overridden.
 */
export function fakeSessionContext(
  ws: FakeWs,
  endpoint: Endpoint,
  overrides: Partial<Omit<SessionContext, 'ws' | 'endpoint'>> & { clock?: Clock } = {},
): SessionContext {
  return {
    ws: ws as unknown as WebSocket,
    endpoint,
    metrics: createGatewayMetrics(new Registry(), false),
    logger: silentLogger,
    clock: new FakeClock(),
    maxBufferedBytes: 1000,
    slowClientTimeoutMs: 100,
    ...overrides,
  };
}

/** A received message (non-batched) with entry id `entry` on ledger `ledger`, payload `m<entry>`. */
export function fakeMessage(
  entry: number,
  ledger = 7n,
  fields: Partial<ConsumerMessage> = {},
): ConsumerMessage {
  return {
    topic: 'persistent://public/default/t',
    id: messageId(ledger, BigInt(entry)),
    payload: Buffer.from(`m${entry}`),
    properties: {},
    key: undefined,
    keyIsBase64: false,
    orderingKey: undefined,
    publishTime: 1_700_000_000_000,
    eventTime: 0,
    redeliveryCount: 0,
    producerName: 'p',
    sequenceId: 0n,
    isNullValue: false,
    ...fields,
  };
}

/** Lets pending promise chains run (a few macrotask turns). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}
