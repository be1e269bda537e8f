/**
 * SessionBase corks the WebSocket's TCP socket for the rest of the tick on the first send, so the
 * answers settled together (one broker receipt chunk) leave in one write; it uncorks on the next
 * tick and never leaves the socket corked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type WebSocket from 'ws';
import { SessionBase } from '../../../../src/gateway/handlers/session-base.ts';
import type { SessionContext } from '../../../../src/gateway/handlers/session-base.ts';
import { createGatewayMetrics } from '../../../../src/gateway/metrics.ts';
import { FakeClock, silentLogger } from '../../../../src/shared/index.ts';

class TestSession extends SessionBase {
  onText(): void {}
  onClosed(): Promise<void> {
    return Promise.resolve();
  }
  drain(): Promise<void> {
    return Promise.resolve();
  }
}

/** A socket recording cork depth and which frames were written while corked. */
class FakeSocket {
  corked = 0;
  corks = 0;
  readonly log: string[] = [];
  cork(): void {
    this.corked++;
    this.corks++;
  }
  uncork(): void {
    this.corked--;
    this.log.push('uncork');
  }
}

function setup(socket: FakeSocket | undefined): { session: TestSession; sent: string[] } {
  const sent: string[] = [];
  const ws = {
    OPEN: 1,
    readyState: 1,
    bufferedAmount: 0,
    send: (text: string) => {
      sent.push(text);
      socket?.log.push(`${socket.corked > 0 ? 'corked' : 'plain'} ${text}`);
    },
  };
  const ctx: SessionContext = {
    ws: ws as unknown as WebSocket,
    endpoint: 'producer',
    metrics: createGatewayMetrics(new Registry(), false),
    logger: silentLogger,
    clock: new FakeClock(),
    maxBufferedBytes: 1000,
    slowClientTimeoutMs: 1000,
    ...(socket === undefined ? {} : { socket }),
  };
  return { session: new TestSession(ctx), sent };
}

const nextTick = (): Promise<void> =>
  new Promise((resolve) => {
    process.nextTick(resolve);
  });

describe('SessionBase.send socket corking', () => {
  it('corks once per tick, writes the tick’s frames corked, uncorks on the next tick', async () => {
    const socket = new FakeSocket();
    const { session } = setup(socket);
    session.send('a');
    session.send('b');
    session.send('c');
    assert.equal(socket.corks, 1);
    assert.equal(socket.corked, 1);
    await nextTick();
    assert.equal(socket.corked, 0);
    session.send('d');
    await nextTick();
    assert.deepEqual(socket.log, [
      'corked a',
      'corked b',
      'corked c',
      'uncork',
      'corked d',
      'uncork',
    ]);
    assert.equal(socket.corks, 2);
  });

  it('sends without corking when the context has no socket', () => {
    const { session, sent } = setup(undefined);
    session.send('a');
    session.send('b');
    assert.deepEqual(sent, ['a', 'b']);
  });

  it('does not cork for a closed session', async () => {
    const socket = new FakeSocket();
    const { session, sent } = setup(socket);
    session.closed = true;
    session.send('a');
    await nextTick();
    assert.deepEqual(sent, []);
    assert.equal(socket.corks, 0);
  });
});
