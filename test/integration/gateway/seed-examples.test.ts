/**
 * Seed 000's own Node.js (`ws`) producer, consumer and reader examples (test/fixtures/seed-000/*.js.txt,
 * verbatim from the seed), run against our gateway with only their URL changed: host:port and
 * topic name.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { uniqueName } from '../../helpers/test-env.ts';
import { startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

const FIXTURES = new URL('../../fixtures/seed-000/', import.meta.url);

/** Runs an example until its output matches `until` (the examples never exit on their own). */
async function runExample(
  file: string,
  hostPort: string,
  topic: string,
  until: RegExp,
): Promise<string> {
  const source = (await readFile(new URL(file, FIXTURES), 'utf8'))
    .replace('localhost:8080', hostPort)
    .replace('/my-topic', `/${topic}`);
  const child = spawn(process.execPath, ['-e', source], {
    cwd: new URL('../../../', import.meta.url),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${file}: no match for ${String(until)} in: ${out}`));
      }, 20_000);
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
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${file} exited with ${String(code)}: ${out}`));
      });
    });
  } finally {
    child.kill();
  }
}

describe("seed 000's Node.js examples against the gateway", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(async () => {
    await gw.close();
  });

  it('producer, consumer and reader work unchanged but for the URL', async () => {
    const topic = uniqueName('seed');
    const hostPort = `127.0.0.1:${gw.server.port}`;
    const consumer = runExample('consumer.js.txt', hostPort, topic, /payload: Hello World/);
    // Let the consumer subscribe first (subscription position: latest).
    await new Promise((r) => setTimeout(r, 1000));
    const ack = await runExample(
      'producer.js.txt',
      hostPort,
      topic,
      /received ack: .*"result":"ok"/,
    );
    assert.match(ack, /"context":"1"/);
    assert.match(await consumer, /"properties":\{"key1":"value1","key2":"value2"\}/);
    const reader = runExample('reader.js.txt', hostPort, topic, /payload: Hello World/);
    await new Promise((r) => setTimeout(r, 1000));
    await runExample('producer.js.txt', hostPort, topic, /received ack/);
    await reader;
  });
});
