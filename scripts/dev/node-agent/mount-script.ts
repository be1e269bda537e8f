import path from 'node:path';
import type { MountStep } from './volumes.ts';

/** Quotes `s` for a POSIX shell. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell script that runs inside the pod's private mount namespace (`unshare --mount`,
 * propagation private) before it `exec`s the container's program: one bind mount per
 * {@link MountStep}, read-only where asked, then `cd` to the working directory.
 *
 * Mount points that do not exist are created first (an empty directory, or an empty file for a
 * file subPath). mkdir is not namespaced, so these empty mount points stay on the host; the
 * mounts themselves are visible only to the pod's process.
 *
 * `volumeDir(name)` is the host directory of a volume; `isFile(step)` says whether the source
 * of a subPath mount is a file; `user`, when given, is who the program runs as (setpriv).
 *
 * `keep` lists host directories the program itself is read from (the checkout, Node.js). A
 * volume mounted over one of their ancestors (an emptyDir at /tmp, with the checkout under
 * /tmp) would hide them, so each such directory is first bound to `keepDir/<i>` and bound back
 * at its own path after the volumes are mounted.
 */
export function mountScript(
  steps: readonly MountStep[],
  volumeDir: (volume: string) => string,
  isFile: (step: MountStep) => boolean,
  workingDir: string,
  user?: { uid: number; gid: number },
  keep: { paths: readonly string[]; keepDir: string } = { paths: [], keepDir: '' },
): string {
  const lines = ['set -e'];
  const hidden = keep.paths.filter((k) =>
    steps.some((s) => k === s.mountPath || k.startsWith(s.mountPath.replace(/\/*$/, '/'))),
  );
  hidden.forEach((k, i) => {
    const staging = shQuote(path.join(keep.keepDir, String(i)));
    lines.push(`mkdir -p ${staging}`, `mount --bind ${shQuote(k)} ${staging}`);
  });
  for (const s of steps) {
    const src = s.subPath === '' ? volumeDir(s.volume) : path.join(volumeDir(s.volume), s.subPath);
    const dst = shQuote(s.mountPath);
    if (isFile(s)) {
      lines.push(`mkdir -p ${shQuote(path.dirname(s.mountPath))}`);
      lines.push(`[ -e ${dst} ] || : > ${dst}`);
    } else {
      lines.push(`mkdir -p ${dst}`);
    }
    lines.push(`mount --bind ${shQuote(src)} ${dst}`);
    if (s.readOnly) lines.push(`mount -o remount,bind,ro ${dst}`);
  }
  hidden.forEach((k, i) => {
    lines.push(
      `mkdir -p ${shQuote(k)}`,
      `mount --bind ${shQuote(path.join(keep.keepDir, String(i)))} ${shQuote(k)}`,
    );
  });
  lines.push(`cd ${shQuote(workingDir)}`);
  // The mounts need root; the program then runs as the pod's user (capabilities dropped).
  lines.push(
    user === undefined
      ? 'exec "$@"'
      : `exec setpriv --reuid=${user.uid} --regid=${user.gid} --clear-groups -- "$@"`,
  );
  return lines.join('\n');
}
