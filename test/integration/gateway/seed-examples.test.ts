/**
 * Seed 000's own client examples run against our gateway with only their URL changed (host:port
 * and topic name): the Node.js (`ws`) producer, consumer and reader (test/fixtures/seed-000/*.js.txt,
 * verbatim from the seed), and the Python (`websocket-client` from PyPI) ones (*.py.txt, the
 * seed's text with the indentation that the seed's extraction flattened put back). The Python
 * package is installed by scripts/fetch-python-deps.sh into a cached venv.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScript } from '../../../scripts/dev/run-script.ts';
import { eventually } from '../../helpers/eventually.ts';
import { uniqueName } from '../../helpers/test-env.ts';
import { startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = new URL('../../fixtures/seed-000/', import.meta.url);

interface Runner {
  command: string;
  /** Arguments before the program text. */
  args: readonly string[];
}

/**
 * Runs an example until its output matches `until`. Consumers and readers never exit on their
 * own; an example that exits before matching fails the test with its output.
 */
async function runExample(
  runner: Runner,
  file: string,
  hostPort: string,
  topic: string,
  until: RegExp,
): Promise<string> {
  const source = (await readFile(new URL(file, FIXTURES), 'utf8'))
    .replace('localhost:8080', hostPort)
    .replace('/my-topic', `/${topic}`);
  const child = spawn(runner.command, [...runner.args, source], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${file}: no match for ${String(until)} in: ${out}`));
      }, 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (until.test(out)) {
          clearTimeout(timer);
          resolve(out);
        }
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      // 'close', not 'exit': the last stdout chunk may still be unread at 'exit'.
      child.once('close', (code) => {
        clearTimeout(timer);
        if (until.test(out)) resolve(out);
        else reject(new Error(`${file} exited with ${String(code)}: ${out}`));
      });
    });
  } finally {
    child.kill();
  }
}

/**
 * Sessions opened so far on `endpoint` (a counter: it does not drop when an earlier example's
 * session closes). A session counts once the broker-side subscription or reader exists.
 */
async function sessionsOpened(gw: TestGateway, endpoint: string): Promise<number> {
  const values = (await gw.server.metrics.connectionsOpened.get()).values;
  return values.find((x) => x.labels.endpoint === endpoint)?.value ?? 0;
}

/** Waits until at least `n` sessions were opened on `endpoint`. */
async function waitForSessions(gw: TestGateway, endpoint: string, n: number): Promise<void> {
  await eventually(async () => {
    const v = await sessionsOpened(gw, endpoint);
    assert.ok(v >= n, `${endpoint} sessions opened: ${String(v)} < ${String(n)}`);
  });
}

/**
 * The seed's scenario for one language: a consumer subscribed first sees the producer's
 * message with its properties and acks it; a reader then sees a second message. The reader
 * starts at `latest` (the default), so it too is waited for before the second publish.
 */
async function scenario(
  gw: TestGateway,
  runner: Runner,
  ext: 'js' | 'py',
  published: RegExp,
): Promise<{ ack: string; consumed: string; read: string }> {
  const topic = uniqueName(`seed-${ext}`);
  const hostPort = `127.0.0.1:${gw.server.port}`;
  const base = {
    consumer: await sessionsOpened(gw, 'consumer'),
    reader: await sessionsOpened(gw, 'reader'),
  };
  const consumer = runExample(runner, `consumer.${ext}.txt`, hostPort, topic, /Hello World/);
  await waitForSessions(gw, 'consumer', base.consumer + 1);
  const ack = await runExample(runner, `producer.${ext}.txt`, hostPort, topic, published);
  const consumed = await consumer;
  const reader = runExample(runner, `reader.${ext}.txt`, hostPort, topic, /Hello World/);
  await waitForSessions(gw, 'reader', base.reader + 1);
  await runExample(runner, `producer.${ext}.txt`, hostPort, topic, published);
  return { ack, consumed, read: await reader };
}

describe("seed 000's client examples against the gateway", () => {
  let gw: TestGateway;
  let python: string;
  before(async () => {
    // Idempotent and cached: a fresh machine installs websocket-client from PyPI once.
    python = await runScript(path.join(REPO_ROOT, 'scripts/fetch-python-deps.sh'));
    gw = await startGateway();
  });
  after(async () => {
    await gw.close();
  });

  it('Node.js (ws): producer, consumer and reader work unchanged but for the URL', async () => {
    const node: Runner = { command: process.execPath, args: ['-e'] };
    const r = await scenario(gw, node, 'js', /received ack: .*"result":"ok"/);
    assert.match(r.ack, /"context":"1"/);
    assert.match(r.consumed, /payload: Hello World/);
    assert.match(r.consumed, /"properties":\{"key1":"value1","key2":"value2"\}/);
    assert.match(r.read, /payload: Hello World/);
  });

  it('Python (websocket-client): producer, consumer and reader work unchanged but for the URL', async () => {
    // -u: unbuffered stdout, so a line is seen while the example still runs (a flag, not an edit).
    const py: Runner = { command: python, args: ['-u', '-c'] };
    const r = await scenario(gw, py, 'py', /Message published successfully/);
    assert.doesNotMatch(r.ack, /Failed to publish/);
    // The consumer printed the pushed JSON as a dict and the decoded payload as bytes.
    assert.match(r.consumed, /Received: \{'messageId': '[A-Za-z0-9+/=]+'/);
    assert.match(r.consumed, /'properties': \{'key1': 'value1', 'key2': 'value2'\}/);
    assert.match(r.consumed, /- payload: b'Hello World'/);
    assert.match(r.read, /- payload: b'Hello World'/);
  });
});
