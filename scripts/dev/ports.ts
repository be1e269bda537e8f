import net from 'node:net';

/**
 * Returns a TCP port on `host` that was free a moment ago. The kernel picks
 * it (port 0); the listener is closed before returning, so a small race with
 * other processes remains, which is acceptable for local test services.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      server.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}
