import WebSocket from 'ws';

/** Opens a WebSocket and resolves once open; rejects with the HTTP status on a refused upgrade. */
export function openWs(url: string, options?: WebSocket.ClientOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      ws.removeAllListeners('error');
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      reject(
        Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode ?? 0}`), {
          status: res.statusCode,
        }),
      );
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/**
 * The outcome of an upgrade: 101 when it was accepted (the socket is closed again at once), else
 * the HTTP status it was refused with (0 when the connection failed without one).
 */
export async function upgradeStatus(
  url: string,
  options?: WebSocket.ClientOptions,
): Promise<number> {
  try {
    await closeWs(await openWs(url, options));
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? 0;
  }
}

/** Resolves with the next text message, parsed as JSON. */
export function nextJson(ws: WebSocket, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error(`no message within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (data: WebSocket.RawData): void => {
      clearTimeout(timer);
      resolve(JSON.parse(rawToString(data)) as Record<string, unknown>);
    };
    ws.once('message', onMessage);
  });
}

/** Closes the socket and waits for the close handshake to finish. */
export async function closeWs(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  await new Promise<void>((resolve) => {
    ws.once('close', () => {
      resolve();
    });
    ws.close();
  });
}

/** Text of a `ws` message, whichever buffer shape `ws` delivered. */
export function rawToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
