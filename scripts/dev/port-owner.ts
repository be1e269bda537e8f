import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * Whether a port answers for OUR child. A readiness probe alone cannot tell: when another
 * process took the port between our choice and the child's bind, the probe reaches that
 * process, and if it happens to speak HTTP (another run's broker, proxy or API server) the
 * probe succeeds before our child has even failed. So a service counts as ready only when
 * its own process holds the listening sockets (Linux: /proc/net/tcp{,6} and /proc/PID/fd).
 */

/** TCP state code of a listening socket in /proc/net/tcp. */
const LISTEN = '0A';

/**
 * Socket inodes listening on `port` (any local address) in the text of /proc/net/tcp or
 * /proc/net/tcp6: columns `sl local_address rem_address st ... inode`, port in hex.
 */
export function parseListeningInodes(procNetTcp: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    const inode = f[9];
    if (local === undefined || inode === undefined || f[3] !== LISTEN) continue;
    if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.push(inode);
  }
  return inodes;
}

/**
 * True when process `pid` holds a listening socket on every one of `ports`. Where /proc
 * cannot tell (not Linux) it returns true, leaving readiness to the probe as before.
 */
export function listensOn(pid: number | undefined, ports: readonly number[]): boolean {
  if (!existsSync('/proc/net/tcp')) return true;
  if (pid === undefined) return false;
  let own: Set<string>;
  try {
    own = new Set(
      readdirSync(`/proc/${pid}/fd`).map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return ''; // closed meanwhile
        }
      }),
    );
  } catch {
    return false; // the process is gone
  }
  const tables = ['/proc/net/tcp', '/proc/net/tcp6']
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f, 'utf8'));
  return ports.every((port) =>
    tables.some((t) => parseListeningInodes(t, port).some((i) => own.has(`socket:[${i}]`))),
  );
}
