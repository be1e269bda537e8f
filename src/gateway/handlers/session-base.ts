import type WebSocket from 'ws';
import type { Clock, Logger } from '../../shared/index.ts';
import { CLOSE_CODES, closeReason } from '../errors.ts';
import type { CloseCode } from '../errors.ts';
import type { Endpoint, GatewayMetrics } from '../metrics.ts';

/** What every session gets from the server. */
export interface SessionContext {
  ws: WebSocket;
  endpoint: Endpoint;
  metrics: GatewayMetrics;
  logger: Logger;
  clock: Clock;
  /** `websocket.maxBufferedBytesPerSession`: stop delivering above it (issue 4, flow control). */
  maxBufferedBytes: number;
  /** How long a client may stay above `maxBufferedBytes` before it is disconnected (1013). */
  slowClientTimeoutMs: number;
  /**
   * The WebSocket's TCP socket, corked by {@link SessionBase.send} until the next tick so the
   * frames of one tick leave in one `writev`. Absent (unit tests): frames are written one by one.
   */
  socket?: { cork(): void; uncork(): void };
}

/** Poll interval while waiting for a client's socket buffer to drain. */
const DRAIN_POLL_MS = 20;

/**
 * State and I/O shared by the four session kinds: counted sends, the close path (valid codes
 * only, reasons cut to 123 bytes, docs/gateway-errors.md), and waiting for a slow client's
 * buffer to drain. Subclasses implement {@link onText}, {@link onClosed} and {@link drain}.
 */
export abstract class SessionBase {
  readonly ctx: SessionContext;
  /** True once the WebSocket closed or a close was sent; nothing more is written. */
  closed = false;
  /** True while the server drains (SIGTERM). */
  draining = false;
  /** The close code this side sent first, if it initiated the close (for the metrics). */
  sentCloseCode: number | undefined;
  /** Monotonic ms of the last frame sent (the idle timeout counts frames either way, §8.4). */
  lastSendAt = 0;

  // Labelled children resolved once per session: `inc({ endpoint })` hashes the labels on every
  // call, and send() runs once per pushed message (style.md §2, hot paths).
  readonly #sent: { inc(n?: number): void };
  #corked = false;

  constructor(ctx: SessionContext) {
    this.ctx = ctx;
    this.#sent = ctx.metrics.messagesSent.labels(ctx.endpoint);
  }

  /** Sends one text frame and counts it. Never throws (a dead socket is reported by `close`). */
  send(text: string): void {
    if (this.closed) return;
    const { ws, metrics } = this.ctx;
    if (ws.readyState !== ws.OPEN) return;
    if (!this.#corked) this.#corkUntilNextTick();
    ws.send(text);
    this.lastSendAt = this.ctx.clock.monotonic();
    this.#sent.inc();
    metrics.bytesSent.inc(Buffer.byteLength(text));
  }

  /**
   * Answers resolved in one tick (a broker receipt chunk settles many publishes at once) would
   * otherwise cost one `writev` system call each: per-frame socket writes were the largest item
   * of the gateway's CPU profile under publish load (BENCHMARKS.md).
   */
  #corkUntilNextTick(): void {
    const socket = this.ctx.socket;
    if (socket === undefined) return;
    this.#corked = true;
    socket.cork();
    process.nextTick(() => {
      this.#corked = false;
      socket.uncork();
    });
  }

  /** Closes the WebSocket with `code` (a valid RFC 6455 code) and a truncated reason. */
  close(code: CloseCode, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.sentCloseCode = code;
    const { ws } = this.ctx;
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
      ws.close(code, closeReason(reason));
    }
  }

  /**
   * Resolves true once the socket's buffered amount is at most the cap; false (after closing
   * the session with 1013 and counting a slow-client disconnect) when it stays above it for
   * `slowClientTimeoutMs`, or when the session closed meanwhile. Delivery waits on this, so a
   * slow client never makes the gateway buffer without bound (issue 4, flow control).
   */
  waitForDrain(): Promise<boolean> {
    const { ws, clock, maxBufferedBytes, slowClientTimeoutMs } = this.ctx;
    if (ws.bufferedAmount <= maxBufferedBytes) return Promise.resolve(!this.closed);
    const deadline = clock.monotonic() + slowClientTimeoutMs;
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.closed) resolve(false);
        else if (ws.bufferedAmount <= maxBufferedBytes) resolve(true);
        else if (clock.monotonic() >= deadline) {
          this.ctx.metrics.slowClientDisconnects.inc();
          this.ctx.logger.warn(
            { bufferedAmount: ws.bufferedAmount },
            'slow client: buffer above the cap for too long, disconnecting',
          );
          this.close(CLOSE_CODES.TRY_AGAIN_LATER, 'Slow client');
          resolve(false);
        } else clock.setTimeout(check, DRAIN_POLL_MS);
      };
      clock.setTimeout(check, DRAIN_POLL_MS);
    });
  }

  /** Handles one text frame from the client. */
  abstract onText(text: string): void;

  /** The WebSocket closed (either side): release the broker-side object. */
  abstract onClosed(): Promise<void>;

  /**
   * Graceful drain (SIGTERM): answer what is in flight, then close with 1001. Resolves when the
   * session has sent its close.
   */
  abstract drain(): Promise<void>;
}
