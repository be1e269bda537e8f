import net from 'node:net';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { IpAllocator } from './ip-allocator.ts';
import type { AgentLog } from './pod-runner.ts';

/** A ready backend of one Service port. */
export interface Backend {
  ip: string;
  port: number;
}

/**
 * The ready backends of Service port `portName` from its EndpointSlices: endpoints whose
 * `ready` condition is not false (the EndpointSlice controller marks terminating and unready
 * pods not ready), on the slice port with the same name.
 */
export function readyBackends(slices: readonly V1EndpointSlice[], portName: string): Backend[] {
  const out: Backend[] = [];
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const port = slice.ports?.find((p) => (p.name ?? '') === portName)?.port;
    if (port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses) out.push({ ip, port });
    }
  }
  return out;
}

interface Listener {
  server: net.Server;
  port: number;
  portName: string;
  next: number;
}

/** One proxied Service: its loopback address and one listener per TCP port. */
interface Proxied {
  ip: string;
  listeners: Map<string, Listener>;
}

/**
 * A userspace stand-in for kube-proxy: every Service gets its own loopback address (from
 * `cidr`), and each of its TCP ports a listener there that forwards each new connection to a
 * ready endpoint (round robin), read from the EndpointSlices that kube-controller-manager
 * maintains. Established connections stay on their backend, as with kube-proxy; new ones go
 * only to ready pods, so clients that reconnect during a rolling update land on new pods.
 */
export class ServiceProxy {
  readonly #ips: IpAllocator;
  readonly #log: AgentLog;
  readonly #services = new Map<string, Proxied>();
  readonly #slices: (namespace: string, service: string) => V1EndpointSlice[];
  readonly #sockets = new Set<net.Socket>();

  constructor(
    cidr: string,
    slices: (namespace: string, service: string) => V1EndpointSlice[],
    log: AgentLog,
  ) {
    this.#ips = new IpAllocator(cidr);
    this.#slices = slices;
    this.#log = log;
  }

  /** The loopback address of Service `namespace/name`, once it is proxied. */
  address(namespace: string, name: string): string | undefined {
    return this.#services.get(`${namespace}/${name}`)?.ip;
  }

  /** The ready backends of port `portName` of Service `namespace/name`, as new connections see them. */
  backends(namespace: string, name: string, portName: string): Backend[] {
    return readyBackends(this.#slices(namespace, name), portName);
  }

  /** Every proxied Service: `namespace/name` → address. */
  addresses(): Map<string, string> {
    return new Map([...this.#services].map(([k, v]) => [k, v.ip]));
  }

  /** Opens, keeps or closes listeners to match the Service's current ports. */
  async upsert(svc: V1Service): Promise<void> {
    const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
    let p = this.#services.get(key);
    if (p === undefined) {
      p = { ip: this.#ips.allocate(key), listeners: new Map() };
      this.#services.set(key, p);
    }
    const wanted = new Map<string, { port: number; name: string }>();
    for (const sp of svc.spec?.ports ?? []) {
      if ((sp.protocol ?? 'TCP') !== 'TCP') continue;
      wanted.set(`${sp.port}`, { port: sp.port, name: sp.name ?? '' });
    }
    for (const [k, l] of p.listeners) {
      if (wanted.get(k)?.name === l.portName) continue;
      p.listeners.delete(k);
      await closeServer(l.server);
    }
    for (const [k, w] of wanted) {
      if (p.listeners.has(k)) continue;
      const l: Listener = { server: net.createServer(), port: w.port, portName: w.name, next: 0 };
      const ns = svc.metadata?.namespace ?? '';
      const name = svc.metadata?.name ?? '';
      l.server.on('connection', (client) => {
        this.#forward(client, ns, name, l);
      });
      try {
        await new Promise<void>((resolve, reject) => {
          l.server.once('error', reject);
          l.server.listen(w.port, p.ip, () => {
            resolve();
          });
        });
        p.listeners.set(k, l);
        this.#log('service port proxied', { service: key, address: `${p.ip}:${w.port}` });
      } catch (err) {
        this.#log('service port listen failed', {
          service: key,
          port: w.port,
          err: (err as Error).message,
        });
      }
    }
  }

  /** Closes the listeners of a deleted Service. */
  async remove(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const p = this.#services.get(key);
    if (p === undefined) return;
    this.#services.delete(key);
    await Promise.all([...p.listeners.values()].map((l) => closeServer(l.server)));
    this.#ips.release(key);
  }

  #forward(client: net.Socket, ns: string, svc: string, l: Listener): void {
    const slices = this.#slices(ns, svc);
    const backends = readyBackends(slices, l.portName);
    if (backends.length === 0) {
      this.#log('service has no ready endpoints', {
        service: `${ns}/${svc}`,
        port: l.portName,
        slices: slices.length,
      });
      // As kube-proxy rejects connections to a Service without endpoints.
      client.resetAndDestroy();
      return;
    }
    const b = backends[l.next++ % backends.length] as Backend;
    const upstream = net.connect({ host: b.ip, port: b.port });
    this.#sockets.add(client);
    this.#sockets.add(upstream);
    const done = (): void => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('error', done);
    upstream.on('error', done);
    client.on('close', done);
    upstream.on('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Closes every listener and proxied connection. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all(
      [...this.#services.keys()].map((k) => {
        const [ns, name] = k.split('/');
        return this.remove(ns ?? '', name ?? '');
      }),
    );
  }
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}
