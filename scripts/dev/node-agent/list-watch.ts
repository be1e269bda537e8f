import { setTimeout as delay } from 'node:timers/promises';
import { KubeRestError, type KubeRest, type WatchEvent } from './kube-rest.ts';

/** Reads the flag afresh (narrowing would otherwise freeze it across awaits). */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** The part of an object a {@link ListWatch} reads. */
export interface Named {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/** What a {@link ListWatch} reports: the object as it is now, or as it was when deleted. */
export type ChangeHandler<T> = (type: 'upsert' | 'delete', obj: T) => void;

/** Key of an object in a store: `namespace/name` (`name` for cluster-scoped kinds). */
export function objectKey(obj: Named): string {
  const ns = obj.metadata?.namespace;
  return ns === undefined || ns === '' ? (obj.metadata?.name ?? '') : `${ns}/${obj.metadata?.name}`;
}

/**
 * A minimal informer: LIST, then WATCH from the list's resourceVersion, with a re-list after a
 * 410 Gone or a broken stream. Keeps a store of current objects and reports changes; a re-list
 * reports objects that vanished meanwhile as deleted.
 */
export class ListWatch<T extends Named> {
  readonly #rest: KubeRest;
  readonly #path: string;
  readonly #onChange: ChangeHandler<T>;
  readonly #store = new Map<string, T>();
  readonly #abort = new AbortController();
  #synced: () => void = () => {};
  /** Resolves after the first LIST has been reported. */
  readonly synced: Promise<void>;
  #loop: Promise<void> | undefined;

  /** `apiPath` is a collection path such as `/api/v1/pods`. */
  constructor(rest: KubeRest, apiPath: string, onChange: ChangeHandler<T>) {
    this.#rest = rest;
    this.#path = apiPath;
    this.#onChange = onChange;
    this.synced = new Promise((resolve) => (this.#synced = resolve));
  }

  /** The current object with key `namespace/name`, if any. */
  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  /** Every current object. */
  list(): T[] {
    return [...this.#store.values()];
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        let rv = await this.#relist();
        this.#synced();
        for (;;) {
          if (isAborted(signal)) return;
          const sep = this.#path.includes('?') ? '&' : '?';
          const url = `${this.#path}${sep}watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${rv}`;
          const state = { gone: false };
          await this.#rest.watch<T>(
            url,
            (e: WatchEvent<T>) => {
              if (e.type === 'ERROR') {
                state.gone = true;
                return;
              }
              const next = e.object.metadata?.resourceVersion;
              if (next !== undefined) rv = next;
              if (e.type === 'BOOKMARK') return;
              const key = objectKey(e.object);
              if (e.type === 'DELETED') {
                this.#store.delete(key);
                this.#onChange('delete', e.object);
              } else {
                this.#store.set(key, e.object);
                this.#onChange('upsert', e.object);
              }
            },
            signal,
          );
          if (state.gone) break;
        }
      } catch (err) {
        if (isAborted(signal)) return;
        // A broken stream or an API server restart: back off, then re-list.
        if (!(err instanceof KubeRestError) || err.status !== 410) {
          await delay(1000, undefined, { signal }).catch(() => undefined);
        }
      }
    }
  }

  async #relist(): Promise<string> {
    const res = await this.#rest.request<{ items?: T[]; metadata?: { resourceVersion?: string } }>(
      'GET',
      this.#path,
    );
    const seen = new Set<string>();
    for (const item of res.items ?? []) {
      const key = objectKey(item);
      seen.add(key);
      this.#store.set(key, item);
      this.#onChange('upsert', item);
    }
    for (const [key, old] of [...this.#store]) {
      if (seen.has(key)) continue;
      this.#store.delete(key);
      this.#onChange('delete', old);
    }
    return res.metadata?.resourceVersion ?? '0';
  }
}
