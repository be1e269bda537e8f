/**
 * The `pulsar-ws-gateway` process itself (issue 4, Operations and Security), started as a child
 * process against the real broker with JWT authentication and trace logging: every log line is
 * JSON; no line holds the client's token or the key; SIGTERM drains (the open producer gets
 * its answer and a 1001 close) and the process exits 0 within the drain grace period.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { freePort } from '../../../scripts/dev/ports.ts';
import { eventually } from '../../helpers/eventually.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { nextJson, openWs } from '../../helpers/ws-client.ts';

const MAIN = fileURLToPath(new URL('../../../src/gateway/main.ts', import.meta.url));

describe('the gateway process', () => {
  let dir: string;
  let child: ChildProcess;
  let out = '';
  let port: number;
  let metricsPort: number;
  const secret = randomBytes(32);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-proc-'));
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, secret.toString('base64'));
    [port, metricsPort] = [await freePort(), await freePort()];
    child = spawn(
      process.execPath,
      [
        MAIN,
        `--pulsar.serviceUrl=${pulsarEnv().serviceUrl}`,
        '--server.bindAddress=127.0.0.1',
        `--server.port=${String(port)}`,
        `--metrics.port=${String(metricsPort)}`,
        '--auth.mode=jwt',
        `--auth.jwt.keyFile=${keyFile}`,
        '--auth.jwt.algorithm=HS256',
        '--auth.jwt.secretEncoding=base64',
        '--log.level=trace',
        '--shutdown.drainTimeoutSeconds=10',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(async () => {
      assert.equal((await fetch(`http://127.0.0.1:${String(metricsPort)}/readyz`)).status, 200);
    }, 60_000);
  });
  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('logs JSON without secrets, and drains and exits 0 on SIGTERM', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .sign(secret);
    const topic = uniqueName('proc');
    const url = `ws://127.0.0.1:${String(port)}/ws/v2/producer/persistent/public/default/${topic}`;
    const byQuery = await openWs(`${url}?token=${token}`);
    byQuery.send(JSON.stringify({ payload: 'aGk=', context: 'q' }));
    assert.equal((await nextJson(byQuery))['result'], 'ok');
    const byHeader = await openWs(url, { headers: { Authorization: `Bearer ${token}` } });
    await assert.rejects(openWs(`${url}?token=${token}x`), { status: 401 });

    // /metrics: every family issue 4 names, Node's default metrics, and no topic in any label.
    const metrics = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
    for (const name of [
      'pulsar_ws_gateway_connections',
      'pulsar_ws_gateway_connections_opened_total',
      'pulsar_ws_gateway_connections_closed_total',
      'pulsar_ws_gateway_upgrade_failures_total',
      'pulsar_ws_gateway_auth_failures_total',
      'pulsar_ws_gateway_messages_received_total',
      'pulsar_ws_gateway_messages_sent_total',
      'pulsar_ws_gateway_bytes_received_total',
      'pulsar_ws_gateway_bytes_sent_total',
      'pulsar_ws_gateway_publish_latency_seconds',
      'pulsar_ws_gateway_ack_latency_seconds',
      'pulsar_ws_gateway_pending_sends',
      'pulsar_ws_gateway_outstanding_permits',
      'pulsar_ws_gateway_slow_client_disconnects_total',
      'pulsar_client_reconnects_total',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
    assert.match(metrics, /pulsar_ws_gateway_upgrade_failures_total\{status="401"\} 1/);
    assert.ok(!metrics.includes(topic), 'a topic name in a metric label');

    const closed = new Promise<number>((resolve) => {
      byHeader.once('close', (code) => {
        resolve(code);
      });
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => {
        resolve(code);
      });
    });
    child.kill('SIGTERM');
    assert.equal(await closed, 1001);
    assert.equal(await exited, 0);

    const lines = out.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length > 5, 'trace logging wrote lines');
    for (const line of lines) {
      assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
    }
    assert.ok(!out.includes(token), 'a token reached the log');
    // The signature part alone must not leak either (e.g. inside a URL).
    assert.ok(!out.includes(token.split('.')[2]!), 'a token signature reached the log');
    assert.ok(!out.includes(secret.toString('base64')), 'the key reached the log');
  });
});
