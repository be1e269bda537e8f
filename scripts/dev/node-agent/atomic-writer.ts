import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

const DATA_LINK = '..data';

/** True when `dir` already holds exactly `files` (same paths, same bytes). */
function unchanged(dir: string, files: Map<string, Buffer>): boolean {
  const data = path.join(dir, DATA_LINK);
  if (!existsSync(data)) return false;
  const current = new Map<string, Buffer>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(data, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else current.set(r, readFileSync(path.join(data, r)));
    }
  };
  walk('');
  if (current.size !== files.size) return false;
  for (const [k, v] of files) if (!current.get(k)?.equals(v)) return false;
  return true;
}

/**
 * Writes `files` into `dir` the way the kubelet updates Secret and ConfigMap volumes: the files
 * go into a fresh `..<timestamp>` directory, the `..data` symlink is swapped to it with one
 * rename, and each top-level name is a symlink through `..data`. A reader therefore sees either
 * the old set or the new one, never a mix, and a bind mount of `dir` sees the update. Returns
 * false (and writes nothing) when the content is already current.
 */
export function writeAtomic(dir: string, files: Map<string, Buffer>, mode: number): boolean {
  mkdirSync(dir, { recursive: true });
  if (unchanged(dir, files)) return false;
  const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${process.hrtime.bigint()}`;
  const tsDir = path.join(dir, stamp);
  mkdirSync(tsDir);
  for (const [rel, bytes] of files) {
    const target = path.join(tsDir, rel);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    chmodSync(target, mode & 0o777);
  }
  const old = existsSync(path.join(dir, DATA_LINK)) ? readlinkSync(path.join(dir, DATA_LINK)) : '';
  const tmpLink = path.join(dir, '..data_tmp');
  rmSync(tmpLink, { force: true });
  symlinkSync(stamp, tmpLink);
  renameSync(tmpLink, path.join(dir, DATA_LINK));
  const top = new Set([...files.keys()].map((k) => k.split('/')[0] ?? k));
  for (const name of top) {
    const link = path.join(dir, name);
    let isLink: boolean;
    try {
      isLink = lstatSync(link).isSymbolicLink();
    } catch {
      isLink = false;
    }
    if (!isLink) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(path.join(DATA_LINK, name), link);
    }
  }
  // Names that left the set: their links would dangle.
  for (const e of readdirSync(dir)) {
    if (e.startsWith('..') || top.has(e)) continue;
    rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  if (old !== '' && old !== stamp) rmSync(path.join(dir, old), { recursive: true, force: true });
  return true;
}
