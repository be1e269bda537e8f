import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export interface ChildRunOptions {
  /** Every output line (stdout and stderr) is appended here, so a failed run can be diagnosed. */
  logFile: string;
  /**
   * Called for each line; may return 'terminate' (SIGTERM) or 'kill' (SIGKILL) to end the child
   * early (see pulsar-perf.ts for why).
   */
  onLine?: (line: string) => 'terminate' | 'kill' | undefined;
  /** Hard limit; the child is killed after it, so one hung client cannot stall the whole run. */
  timeoutMs: number;
  cwd?: string;
}

/** Runs a benchmark client to completion and returns its output lines (stdout and stderr). */
export function runChild(
  command: string,
  args: string[],
  opts: ChildRunOptions,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    });
    appendFileSync(opts.logFile, `\n$ ${command} ${args.join(' ')}\n`);
    const lines: string[] = [];
    let terminated = false;
    const onData = (partial: { rest: string }) => (chunk: string) => {
      const text = partial.rest + chunk;
      const parts = text.split('\n');
      partial.rest = parts.pop() ?? '';
      for (const line of parts) handle(line);
    };
    const handle = (line: string): void => {
      lines.push(line);
      appendFileSync(opts.logFile, line + '\n');
      const action = opts.onLine?.(line);
      if (action === 'terminate' && !terminated) {
        terminated = true;
        child.kill('SIGTERM');
      } else if (action === 'kill') {
        terminated = true;
        child.kill('SIGKILL');
      }
    };
    const out = { rest: '' };
    const err = { rest: '' };
    child.stdout.setEncoding('utf8').on('data', onData(out));
    child.stderr.setEncoding('utf8').on('data', onData(err));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const rest of [out.rest, err.rest]) if (rest !== '') handle(rest);
      // A JVM stopped by our SIGTERM exits 143 after its shutdown hooks ran: that is success.
      if (code === 0 || terminated) resolve(lines);
      else
        reject(
          new Error(
            `${command} exited with ${code ?? signal ?? 'unknown'} (log: ${opts.logFile})\n` +
              lines.slice(-15).join('\n'),
          ),
        );
    });
  });
}
