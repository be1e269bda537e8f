/** Error code of a container this agent cannot run (unknown image or command). */
export const IMAGE_ERROR_CODE = 'AGENT_ERR_IMAGE';

/** The image is not one this agent maps to local programs. */
export class ImageMapError extends Error {
  readonly code = IMAGE_ERROR_CODE;
}

/** How one image's commands run on this machine. */
export interface ImageRule {
  /** Image repository without tag or digest, e.g. `ghcr.io/org/name`; every tag matches. */
  repository: string;
  /** Container command (its first element) → local argv prefix (e.g. `[node, main.js]`). */
  commands: Readonly<Record<string, readonly string[]>>;
  /**
   * Extra environment for a command, given the pod IP: the only place where a local process
   * may differ from its container, e.g. the address to listen on.
   */
  env?: Readonly<Record<string, (podIP: string) => Record<string, string>>>;
  /** The image's default user (its `USER`), used when the pod spec sets no runAsUser. */
  user?: { uid: number; gid: number };
  /**
   * Host directories the mapped programs are read from (the checkout, Node.js). They stay
   * visible in the pod even when one of its volumes is mounted over an ancestor, e.g. an
   * `emptyDir` at `/tmp` while the checkout lives under `/tmp`.
   */
  hostPaths?: readonly string[];
}

/** The local program of a container, and the environment to add for it. */
export interface ResolvedCommand {
  argv: string[];
  extraEnv: Record<string, string>;
  /** The image's default user, if the rule names one. */
  imageUser: { uid: number; gid: number } | undefined;
  /** See {@link ImageRule.hostPaths}. */
  hostPaths: readonly string[];
}

/** `ghcr.io/a/b:1.2@sha256:…` → `ghcr.io/a/b`. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0] ?? '';
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * Maps a container's image + command + args to a local argv. The container must name its
 * command (this agent has no image entrypoints); the command's first element selects the
 * program and the rest, then `args`, follow it unchanged.
 */
export function resolveCommand(
  image: string,
  command: readonly string[] | undefined,
  args: readonly string[] | undefined,
  rules: readonly ImageRule[],
  podIP: string,
): ResolvedCommand {
  const repo = imageRepository(image);
  const rule = rules.find((r) => r.repository === repo);
  if (rule === undefined) throw new ImageMapError(`image "${image}" is not mapped to this machine`);
  const [cmd, ...rest] = command ?? [];
  if (cmd === undefined) {
    throw new ImageMapError(`image "${image}": the container must set command (no entrypoints)`);
  }
  const prefix = rule.commands[cmd];
  if (prefix === undefined) {
    throw new ImageMapError(`image "${image}": unknown command "${cmd}"`);
  }
  return {
    argv: [...prefix, ...rest, ...(args ?? [])],
    extraEnv: rule.env?.[cmd]?.(podIP) ?? {},
    imageUser: rule.user,
    hostPaths: rule.hostPaths ?? [],
  };
}
