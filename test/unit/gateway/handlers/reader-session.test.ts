/**
 * The reader session with a fake WebSocket and a fake reader (pure logic, pulsar-websocket-api.md
 * §7): pushes at once, at most `maxPendingMessages` ahead; any valid JSON frame other than
 * `isEndOfTopic` frees one slot; `isEndOfTopic` answers; invalid JSON closes with 1007; a reader
 * failure closes with 1011; closing aborts the pending read and closes the reader.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReaderSession } from '../../../../src/gateway/handlers/reader-session.ts';
import type { ConsumerMessage, Reader } from '../../../../src/pulsar/index.ts';
import { PulsarError, decodeMessageIdBase64 } from '../../../../src/pulsar/index.ts';
import { FakeWs, fakeMessage, fakeSessionContext, settle } from '../../../helpers/fake-session.ts';

class FakeReader {
  readonly queue: ConsumerMessage[] = [];
  isEndOfTopic = false;
  closed = false;
  reads = 0;
  #next = 1;
  #waiter: { resolve: (m: ConsumerMessage) => void; reject: (e: unknown) => void } | undefined;
  push(n: number): void {
    for (let i = 0; i < n; i++) {
      const m = message(this.#next++);
      const w = this.#waiter;
      if (w === undefined) this.queue.push(m);
      else {
        this.#waiter = undefined;
        w.resolve(m);
      }
    }
  }
  fail(err: unknown): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.reject(err);
  }
  readNext(signal?: AbortSignal): Promise<ConsumerMessage> {
    this.reads++;
    const m = this.queue.shift();
    if (m !== undefined) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      signal?.addEventListener('abort', () => {
        this.fail(signal.reason);
      });
    });
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function message(entry: number): ConsumerMessage {
  return fakeMessage(entry, 3n, {
    payload: Buffer.from(`r${entry}`),
    properties: { n: String(entry) },
    key: entry === 1 ? 'k1' : undefined,
  });
}

function setup(maxPendingMessages: number) {
  const ws = new FakeWs();
  const reader = new FakeReader();
  const session = new ReaderSession(
    fakeSessionContext(ws, 'reader'),
    reader as unknown as Reader,
    maxPendingMessages,
  );
  session.start();
  return { ws, reader, session };
}

describe('ReaderSession', () => {
  it("pushes at once in the reference's JSON, at most maxPendingMessages ahead", async () => {
    const { ws, reader } = setup(2);
    reader.push(5);
    await settle();
    assert.equal(ws.sent.length, 2);
    const [first] = ws.json();
    assert.ok(first);
    assert.equal(first['payload'], Buffer.from('r1').toString('base64'));
    assert.deepEqual(first['properties'], { n: '1' });
    assert.equal(first['key'], 'k1');
    assert.equal(first['redeliveryCount'], 0);
    const id = decodeMessageIdBase64(first['messageId'] as string);
    assert.deepEqual([id.ledgerId, id.entryId], [3n, 1n]);
  });

  it('any valid JSON frame frees one slot; isEndOfTopic answers without freeing one', async () => {
    const { ws, reader, session } = setup(1);
    reader.push(4);
    await settle();
    assert.equal(ws.sent.length, 1);
    session.onText(JSON.stringify({ type: 'isEndOfTopic' }));
    await settle();
    assert.deepEqual(JSON.parse(ws.sent[1]!), { endOfTopic: false });
    assert.equal(ws.sent.length, 2, 'no message pushed for isEndOfTopic');
    // The seed's reader acks; any other JSON object works the same (nothing reaches the broker).
    session.onText(JSON.stringify({ messageId: 'whatever' }));
    await settle();
    assert.equal(ws.sent.length, 3);
    session.onText('{}');
    await settle();
    assert.equal(ws.sent.length, 4);
    reader.isEndOfTopic = true;
    session.onText(JSON.stringify({ type: 'isEndOfTopic' }));
    assert.deepEqual(JSON.parse(ws.sent[4]!), { endOfTopic: true });
  });

  it('closes with 1007 on invalid JSON (compatibility C3)', async () => {
    const { ws, reader, session } = setup(10);
    session.onText('{');
    assert.deepEqual(ws.closedWith, [1007, 'Failed to de-serialize from JSON']);
    // Nothing more is pushed after the close.
    reader.push(1);
    await settle();
    assert.equal(ws.sent.length, 0);
  });

  it('closes with 1011 when the reader fails, and stays quiet when it was closed', async () => {
    const a = setup(10);
    await settle();
    a.reader.fail(new PulsarError('PULSAR_ERR_LOOKUP_FAILED', 'broken'));
    await settle();
    assert.deepEqual(a.ws.closedWith, [1011, 'Reader failed']);
    const b = setup(10);
    await settle();
    b.reader.fail(new PulsarError('PULSAR_ERR_CLOSED', 'closed'));
    await settle();
    assert.equal(b.ws.closedWith, undefined);
  });

  it('onClosed aborts the pending read and closes the reader', async () => {
    const { ws, reader, session } = setup(10);
    await settle();
    assert.equal(reader.reads, 1);
    await session.onClosed();
    await settle();
    assert.equal(reader.closed, true);
    assert.equal(ws.closedWith, undefined, 'an aborted read is not a failure');
    reader.push(1);
    await settle();
    assert.equal(ws.sent.length, 0);
  });

  it('drain closes with 1001', async () => {
    const { ws, session } = setup(10);
    await session.drain();
    assert.deepEqual(ws.closedWith, [1001, 'Gateway shutting down']);
  });
});
