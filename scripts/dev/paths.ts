import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of this checkout. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Cache of downloaded and built dependencies (Pulsar jars, Kubernetes
 * binaries), outside the repository and keyed by version inside.
 * Override with PWO_CACHE_DIR.
 */
export const CACHE_DIR =
  process.env['PWO_CACHE_DIR'] ??
  path.join(
    process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'),
    'pulsar-websocket-operator',
  );

/**
 * A directory for one running service's data and logs, under
 * `$PWO_CACHE_DIR/run/`. With `fresh`, earlier contents are removed.
 */
export function runDir(name: string, opts: { fresh?: boolean } = {}): string {
  const dir = path.join(CACHE_DIR, 'run', name);
  if (opts.fresh === true) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
