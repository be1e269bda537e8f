import { spawn } from 'node:child_process';

/**
 * Runs a project shell script, streaming its progress (stderr) to ours, and
 * resolves with the last line of its stdout. Async so that fetching Pulsar and
 * building Kubernetes can proceed side by side.
 */
export function runScript(script: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    child.on('error', reject);
    // 'close', not 'exit': exit can fire before the last stdout chunk was read.
    child.on('close', (code) => {
      if (code === 0) resolve(out.trim().split('\n').pop() ?? '');
      else
        reject(
          new Error(`${script} failed with exit code ${code ?? 'null'} (see the messages above)`),
        );
    });
  });
}
