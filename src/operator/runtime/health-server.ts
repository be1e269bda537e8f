import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../../shared/index.ts';

/** A named probe: resolves or returns true when healthy; false or a throw means unhealthy. */
export type HealthCheck = () => boolean | Promise<boolean>;

/** Options of {@link HealthServer}. */
export interface HealthServerOptions {
  /** Registry served on `/metrics`; the route answers 404 without one. */
  registry?: Registry;
  logger: Logger;
}

/**
 * One HTTP server for `/healthz` (liveness), `/readyz` (readiness) and
 * `/metrics` (Prometheus text format), like the probes kubebuilder scaffolds
 * on `:8081`. Each probe runs every registered check; any failure answers 500.
 * `?verbose` lists each check as `[+]name ok` / `[-]name failed`, the format
 * of the API server's own `/readyz?verbose`.
 *
 * Typical checks: `/healthz` ping only (a live process that cannot reach the
 * API server must not be restarted in a loop); `/readyz` informers synced.
 */
export class HealthServer {
  readonly #healthz = new Map<string, HealthCheck>();
  readonly #readyz = new Map<string, HealthCheck>();
  readonly #registry: Registry | undefined;
  readonly #log: Logger;
  readonly #server: Server;

  constructor(options: HealthServerOptions) {
    this.#registry = options.registry;
    this.#log = options.logger.child({ component: 'health-server' });
    this.#healthz.set('ping', () => true);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#log.error({ err }, 'Health request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  }

  /** Adds a liveness check (replaces one of the same name). */
  addHealthzCheck(name: string, check: HealthCheck): void {
    this.#healthz.set(name, check);
  }

  /** Adds a readiness check (replaces one of the same name). */
  addReadyzCheck(name: string, check: HealthCheck): void {
    this.#readyz.set(name, check);
  }

  /** Listens on `port` (0 picks a free one) and `host` (default all interfaces); resolves the bound port. */
  listen(port: number, host?: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections and closes idle ones; resolves when closed. */
  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.close((err) => {
        if (err === undefined) resolve();
        else reject(err);
      });
      this.#server.closeIdleConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/metrics' && this.#registry !== undefined) {
      const body = await this.#registry.metrics();
      res.writeHead(200, { 'content-type': this.#registry.contentType }).end(body);
      return;
    }
    const checks =
      url.pathname === '/healthz' || url.pathname === '/livez'
        ? this.#healthz
        : url.pathname === '/readyz'
          ? this.#readyz
          : undefined;
    if (checks === undefined) {
      res.writeHead(404).end();
      return;
    }
    const lines: string[] = [];
    let ok = true;
    for (const [name, check] of checks) {
      let passed: boolean;
      try {
        passed = await check();
      } catch {
        passed = false;
      }
      ok &&= passed;
      lines.push(passed ? `[+]${name} ok` : `[-]${name} failed`);
    }
    const verbose = url.searchParams.has('verbose') || !ok;
    const body = verbose
      ? `${lines.join('\n')}\n${url.pathname.slice(1)} check ${ok ? 'passed' : 'failed'}\n`
      : 'ok';
    res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
  }
}
