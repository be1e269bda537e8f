/** Error code of {@link IpAllocator} failures. */
export const IP_ALLOCATOR_ERROR_CODE = 'AGENT_ERR_IP_RANGE';

/** A bad range or an exhausted pool. */
export class IpAllocatorError extends Error {
  readonly code = IP_ALLOCATOR_ERROR_CODE;
}

function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new IpAllocatorError(`not an IPv4 address: "${text}"`);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255)
      throw new IpAllocatorError(`not an IPv4 address: "${text}"`);
    n = n * 256 + v;
  }
  return n;
}

function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/**
 * Hands out the addresses of an IPv4 range (`10.250.1.0/24`), one per key. The network and
 * broadcast addresses and `.1` (the "gateway") are never handed out. An address released last
 * is reused last, so a new pod does not get the address a stopping process may still hold.
 */
export class IpAllocator {
  readonly #free: number[] = [];
  readonly #network: number;
  readonly #size: number;
  readonly #byKey = new Map<string, number>();

  /** `cidr`: an IPv4 range with a prefix length between 16 and 30. */
  constructor(cidr: string) {
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
    if (m === null) throw new IpAllocatorError(`not a CIDR range: "${cidr}"`);
    const bits = Number(m[2]);
    const base = parseIpv4(m[1] ?? '');
    if (bits < 16 || bits > 30) throw new IpAllocatorError(`prefix /${bits} outside /16../30`);
    const size = 2 ** (32 - bits);
    const network = base - (base % size);
    this.#network = network;
    this.#size = size;
    for (let i = 2; i < size - 1; i++) this.#free.push(network + i);
  }

  /** True when `ip` lies inside the range. */
  contains(ip: string): boolean {
    let n: number;
    try {
      n = parseIpv4(ip);
    } catch {
      return false;
    }
    return n >= this.#network && n < this.#network + this.#size;
  }

  /** The address of `key` (a pod UID), allocating one on first use. */
  allocate(key: string): string {
    const held = this.#byKey.get(key);
    if (held !== undefined) return formatIpv4(held);
    const ip = this.#free.shift();
    if (ip === undefined) throw new IpAllocatorError('address pool exhausted');
    this.#byKey.set(key, ip);
    return formatIpv4(ip);
  }

  /** Returns the address of `key` to the pool (no-op when it holds none). */
  release(key: string): void {
    const ip = this.#byKey.get(key);
    if (ip === undefined) return;
    this.#byKey.delete(key);
    this.#free.push(ip);
  }

  /** Addresses currently held, by key. */
  held(): Map<string, string> {
    return new Map([...this.#byKey].map(([k, v]) => [k, formatIpv4(v)]));
  }
}
