import { spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A child process of the dev environment (Pulsar, etcd, kube-apiserver...).
 * Output goes to a log file; a pid file lets the next run kill a leftover
 * process when a previous run died without tearing down.
 */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly #pidFile: string;
  #child: ChildProcess | undefined;
  #exited = false;
  // Size of the (appended) log when the current child started: what follows is its output.
  #logStart = 0;

  constructor(name: string, logFile: string, pidFile: string) {
    this.name = name;
    this.logFile = logFile;
    this.#pidFile = pidFile;
  }

  /** Starts `command` with `args`; kills a stale process from an earlier run first. */
  async start(
    command: string,
    args: string[],
    env?: NodeJS.ProcessEnv,
    cwd?: string,
  ): Promise<void> {
    await killStale(this.#pidFile);
    this.#logStart = existsSync(this.logFile) ? statSync(this.logFile).size : 0;
    const log = createWriteStream(this.logFile, { flags: 'a' });
    await once(log, 'open');
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', log, log],
      // Own process group: teardown signals the whole group, so helpers a
      // service forks die with it.
      detached: true,
    });
    // A restart reuses this object: the flag must describe the new child, and a late event of
    // the previous one must not mark the new one dead.
    this.#child = child;
    this.#exited = false;
    child.on('exit', () => {
      if (this.#child === child) this.#exited = true;
      log.end();
    });
    child.on('error', (err) => {
      if (this.#child === child) this.#exited = true;
      log.write(`spawn error: ${err.message}\n`);
    });
    if (child.pid === undefined) {
      await once(child, 'error').catch(() => undefined);
      throw new Error(`${this.name}: could not start '${command}' (see ${this.logFile})`);
    }
    // "<child pid> <owner pid>": a later run kills the child only if its owner is gone.
    writeFileSync(this.#pidFile, `${child.pid} ${process.pid}`);
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.#child !== undefined && !this.#exited;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Last `bytes` of the log, for error messages. */
  tail(bytes = 2000): string {
    try {
      const text = readFileSync(this.logFile, 'utf8');
      return text.slice(-bytes);
    } catch {
      return '';
    }
  }

  /**
   * What the current (or last) child wrote, without the output of earlier starts that share
   * the log file: the text to judge why this start failed.
   */
  logOfThisStart(): string {
    try {
      return readFileSync(this.logFile).subarray(this.#logStart).toString('utf8');
    } catch {
      return '';
    }
  }

  /** SIGTERM to the process group, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.#child;
    if (child?.pid === undefined || this.#exited) {
      rmSync(this.#pidFile, { force: true });
      return;
    }
    const exited = once(child, 'exit');
    signalGroup(child.pid, 'SIGTERM');
    const timedOut = await Promise.race([
      exited.then(() => false),
      delay(graceMs).then(() => true),
    ]);
    if (timedOut) {
      signalGroup(child.pid, 'SIGKILL');
      await exited;
    }
    rmSync(this.#pidFile, { force: true });
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills the process recorded in `pidFile` if the run that started it is gone
 * (a crashed or killed test run leaves its services behind). A process whose
 * owner still runs belongs to a concurrent run and is left alone.
 */
async function killStale(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const [pid, owner] = readFileSync(pidFile, 'utf8').trim().split(/\s+/).map(Number);
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `${pidFile}: service is still owned by running process ${owner}; use another name`,
    );
  }
  rmSync(pidFile, { force: true });
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return;
  signalGroup(pid, 'SIGKILL');
  await delay(200);
}

/** Kills services left behind by runs that no longer exist (all pid files in `dir`). */
export async function reapOrphans(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.pid')) continue;
    try {
      await killStale(path.join(dir, f));
    } catch {
      // owned by a live run
    }
  }
}
