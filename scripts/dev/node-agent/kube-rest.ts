import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

/** Error of a non-2xx answer; `status` is the HTTP status (0 for network errors). */
export class KubeRestError extends Error {
  readonly code = 'AGENT_ERR_KUBE_REST';
  readonly status: number;
  constructor(method: string, apiPath: string, status: number, body: string) {
    super(`${method} ${apiPath}: HTTP ${status}: ${body.slice(0, 300)}`);
    this.status = status;
  }
}

/** One object of any kind, as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string | Date;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** A watch event as the API server streams it. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/**
 * Plain JSON REST against the API server with the kubeconfig's credentials
 * (client-node fills the TLS options). The agent speaks raw JSON because it
 * touches many kinds and subresources (pods/binding, pods/status,
 * serviceaccounts/token, leases) and needs streaming watches.
 */
export class KubeRest {
  readonly #kc: KubeConfig;
  readonly server: URL;

  constructor(kc: KubeConfig) {
    this.#kc = kc;
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  async #options(method: string, apiPath: string): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {
      method,
      hostname: this.server.hostname,
      port: this.server.port === '' ? 443 : Number(this.server.port),
      path: apiPath,
      headers: { Accept: 'application/json' },
    };
    await this.#kc.applyToHTTPSOptions(opts);
    return opts;
  }

  /** A JSON request; resolves with the parsed body of a 2xx answer, rejects with {@link KubeRestError}. */
  async request<T = KubeObject>(
    method: string,
    apiPath: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const opts = await this.#options(method, apiPath);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      opts.headers = {
        ...(opts.headers as Record<string, string>),
        'Content-Type': contentType,
      };
    }
    return new Promise<T>((resolve, reject) => {
      const req = https.request({ ...opts, timeout: 30_000 }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(new KubeRestError(method, apiPath, status, text));
            return;
          }
          try {
            resolve((text === '' ? {} : JSON.parse(text)) as T);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('request timeout')));
      req.on('error', (err) => {
        reject(new KubeRestError(method, apiPath, 0, err.message));
      });
      req.end(payload);
    });
  }

  /** Merge-patches `apiPath` (`application/merge-patch+json`). */
  mergePatch<T = KubeObject>(apiPath: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', apiPath, patch, 'application/merge-patch+json');
  }

  /**
   * Opens a watch stream; `onEvent` gets each event, the promise resolves when the server ends
   * the stream and rejects on errors. `signal` aborts it.
   */
  async watch<T>(
    apiPath: string,
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const opts = await this.#options('GET', apiPath);
    return new Promise<void>((resolve, reject) => {
      const req = https.request({ ...opts, signal }, (res: IncomingMessage) => {
        if ((res.statusCode ?? 0) !== 200) {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            reject(new KubeRestError('WATCH', apiPath, res.statusCode ?? 0, text));
          });
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line === '') continue;
            try {
              onEvent(JSON.parse(line) as WatchEvent<T>);
            } catch (err) {
              req.destroy(err as Error);
              return;
            }
          }
        });
        res.on('end', () => {
          resolve();
        });
        // An aborted stream may end with neither 'end' nor 'error'.
        res.on('close', () => {
          resolve();
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.on('close', () => {
        if (signal.aborted) resolve();
      });
      req.end();
    });
  }
}
