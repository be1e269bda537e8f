import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * Port choice for the local test services (Pulsar, etcd, kube-apiserver, our own processes).
 *
 * A chosen port is handed to a child process that binds it a moment later, so some other
 * process can always take it in between. Two measures keep that from failing a run:
 *
 * 1. Collisions are made rare here. The old chooser let the kernel pick (bind port 0), which
 *    returns a port from the ephemeral range — the very range the kernel also hands out as
 *    the local port of every outgoing connection on the machine, so under parallel load
 *    (many brokers, API servers and clients connecting) the chosen port was soon reused. We
 *    pick outside that range (`/proc/sys/net/ipv4/ip_local_port_range`), where the kernel
 *    never assigns ports by itself; at random (seeded by the OS per process), so parallel
 *    runs in separate processes do not walk the same sequence; never twice in one process,
 *    so two services of one run cannot get the same port; and only after a test bind on the
 *    wildcard address shows nobody listens there on any address.
 * 2. What remains (another run that chose the same port a moment later) is recovered by the
 *    services themselves: a start whose log shows a bind failure is retried on new ports
 *    (see `retryOnBindFailure` in ./port-retry.ts).
 */

/** A source of ports for a service about to start; each call returns a different port. */
export type PortChooser = () => Promise<number>;

/** An inclusive range of TCP ports. */
export interface PortRange {
  low: number;
  high: number;
}

/** Error code when no port could be found at all (stable; decide by it, not the message). */
export const NO_FREE_PORT_ERROR_CODE = 'PWO_DEV_NO_FREE_PORT';

/**
 * Lowest port handed out. Below it sit the defaults of many services a developer machine or
 * CI runner may start at any time (2379 etcd, 5432, 6443, 6650/8080 Pulsar, 9092,
 * 10250-10259 kubelet/KCM/scheduler...), which an availability check cannot foresee.
 */
export const MIN_PORT = 20_000;

/** Highest TCP port. */
export const MAX_PORT = 65_535;

/**
 * Below this many candidates (an ephemeral range that covers almost everything) random
 * choice would collide often; the chooser then falls back to kernel-assigned ports and
 * relies on the retry alone.
 */
export const MIN_CANDIDATES = 1_000;

/** Used when the kernel setting cannot be read (not Linux): the IANA dynamic range. */
const DEFAULT_EPHEMERAL: PortRange = { low: 49_152, high: 65_535 };

/** Test binds per port request before falling back to a kernel-assigned port. */
const MAX_PROBES = 64;

/**
 * Parses the content of `/proc/sys/net/ipv4/ip_local_port_range` ("32768\t60999\n").
 * Returns undefined when the text is not two ports in order.
 */
export function parseEphemeralRange(text: string): PortRange | undefined {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (m === null) return undefined;
  const low = Number(m[1]);
  const high = Number(m[2]);
  if (low < 1 || high > MAX_PORT || low > high) return undefined;
  return { low, high };
}

/** The kernel's ephemeral port range, or the IANA default where it cannot be read. */
export function readEphemeralRange(file = '/proc/sys/net/ipv4/ip_local_port_range'): PortRange {
  try {
    return parseEphemeralRange(readFileSync(file, 'utf8')) ?? DEFAULT_EPHEMERAL;
  } catch {
    return DEFAULT_EPHEMERAL;
  }
}

/**
 * The ports in `[floor, ceiling]` outside `ephemeral`, as one or two ranges; empty when
 * fewer than {@link MIN_CANDIDATES} remain.
 */
export function candidateRanges(
  ephemeral: PortRange,
  floor = MIN_PORT,
  ceiling = MAX_PORT,
): PortRange[] {
  const ranges = [
    { low: floor, high: Math.min(ceiling, ephemeral.low - 1) },
    { low: Math.max(floor, ephemeral.high + 1), high: ceiling },
  ].filter((r) => r.low <= r.high);
  return rangeSize(ranges) >= MIN_CANDIDATES ? ranges : [];
}

function rangeSize(ranges: readonly PortRange[]): number {
  return ranges.reduce((n, r) => n + r.high - r.low + 1, 0);
}

/** The `index`-th port (0-based) across `ranges`, in order. */
function nthPort(ranges: readonly PortRange[], index: number): number {
  let i = index;
  for (const r of ranges) {
    const size = r.high - r.low + 1;
    if (i < size) return r.low + i;
    i -= size;
  }
  throw new RangeError(`port index ${index} outside the candidate ranges`);
}

/**
 * True when nothing listens on `port` on any local address: a test bind on the wildcard
 * address (IPv6 dual-stack, else IPv4) fails if any socket holds the port on a specific
 * address or on the wildcard, so it covers services binding 127.0.0.1 (etcd, kube-apiserver)
 * and those binding everything (the bookie, the Java proxy's Jetty).
 */
export async function isPortAvailable(port: number): Promise<boolean> {
  try {
    return await tryListen(port, '::');
  } catch (err) {
    // No IPv6 on this machine: the IPv4 wildcard is the widest check left.
    if (isCode(err, 'EAFNOSUPPORT') || isCode(err, 'EADDRNOTAVAIL')) {
      return tryListen(port, '0.0.0.0');
    }
    throw err;
  }
}

/** Listens and closes again; false when the port is taken or not ours to bind. */
function tryListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err) => {
      if (isCode(err, 'EADDRINUSE') || isCode(err, 'EACCES')) resolve(false);
      else reject(err);
    });
    server.listen({ port, host, ipv6Only: false }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

function isCode(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

/** A port the kernel picks (port 0), the fallback when no candidate range is usable. */
function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      server.close(() => {
        if (addr !== null && typeof addr === 'object') resolve(addr.port);
        else
          reject(Object.assign(new Error('no port assigned'), { code: NO_FREE_PORT_ERROR_CODE }));
      });
    });
  });
}

/** Options of {@link createPortChooser}; all default to the real machine. */
export interface PortChooserOptions {
  /** Where to choose; default: {@link candidateRanges} of the kernel's ephemeral range. */
  ranges?: readonly PortRange[];
  /** Availability check; default {@link isPortAvailable}. */
  isAvailable?: (port: number) => Promise<boolean>;
  /** Uniform integer in `[0, n)`; default `crypto.randomInt` (differs per process). */
  random?: (n: number) => number;
}

/**
 * A port chooser with its own memory of ports handed out (see the file comment for the
 * design). Ports come at random from `ranges`, each at most once per chooser, and only when
 * `isAvailable` says so; after {@link MAX_PROBES} busy or repeated candidates, or without
 * usable ranges, it falls back to a kernel-assigned port (still never one it handed out).
 * Concurrent calls never get the same port: a candidate is reserved before it is checked.
 */
export function createPortChooser(opts: PortChooserOptions = {}): PortChooser {
  const ranges = opts.ranges ?? candidateRanges(readEphemeralRange());
  const isAvailable = opts.isAvailable ?? isPortAvailable;
  const random = opts.random ?? ((n: number) => randomInt(n));
  const size = rangeSize(ranges);
  // Ports handed out, and ports found busy (not worth a second test bind).
  const seen = new Set<number>();
  return async () => {
    for (let probe = 0; size > 0 && probe < MAX_PROBES; probe++) {
      const port = nthPort(ranges, random(size));
      if (seen.has(port)) continue;
      seen.add(port);
      if (await isAvailable(port)) return port;
    }
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const port = await kernelPort();
      if (seen.has(port)) continue;
      seen.add(port);
      return port;
    }
    throw Object.assign(new Error(`no free TCP port after ${2 * MAX_PROBES} tries`), {
      code: NO_FREE_PORT_ERROR_CODE,
    });
  };
}

let processChooser: PortChooser | undefined;

/**
 * Returns a TCP port that nothing listened on a moment ago, outside the kernel's ephemeral
 * range, never the same twice in this process (one chooser per process, created on first
 * use). A small race with other processes remains; the service starters retry on it.
 */
export function freePort(): Promise<number> {
  processChooser ??= createPortChooser();
  return processChooser();
}
