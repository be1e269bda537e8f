/**
 * The client's TLS (`pulsar+ssl://`) against a private Pulsar standalone with a TLS port, using a
 * throw-away CA and server certificates made here with openssl: trusted CA, hostname
 * verification on and off, untrusted CA and allow-insecure.
 *
 * The hostname case needs a certificate lacking the name the client dials, while the broker has
 * one certificate only; a small TLS terminator in this process presents a second server
 * certificate (SAN `IP:127.0.0.1` only) and pipes to the broker's plain port. The client dials it
 * as `localhost`, so only the first hop (the lookup) meets the mismatched certificate.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { PulsarClient, type TlsOptions } from '../../../src/pulsar/index.ts';
import { Producer } from '../../../src/pulsar/producer/producer.ts';
import { Consumer } from '../../../src/pulsar/consumer/consumer.ts';
import { PulsarStandalone } from '../../../scripts/dev/pulsar-standalone.ts';
import { uniqueName } from '../../helpers/test-env.ts';

const run = promisify(execFile);

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd });
}

/** A CA-signed server certificate with the given SAN; the key is PKCS#8 PEM, as Pulsar needs. */
async function makeServerCert(dir: string, ca: string, name: string, san: string): Promise<void> {
  await openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.raw.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${name}`,
  );
  await openssl(
    dir,
    'pkcs8',
    '-topk8',
    '-nocrypt',
    '-in',
    `${name}.raw.key`,
    '-out',
    `${name}.key`,
  );
  await writeFile(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
  await openssl(
    dir,
    'x509',
    '-req',
    '-sha256',
    '-days',
    '2',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.crt`,
  );
}

/** A self-signed CA: `<name>.crt`, `<name>.key`. */
async function makeCaFiles(dir: string, name: string): Promise<void> {
  await openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '2',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-subj',
    `/CN=${name}`,
  );
}

/** TLS terminator with its own certificate, forwarding to a plain TCP port. */
async function startTlsFront(
  cert: Buffer,
  key: Buffer,
  target: { host: string; port: number },
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert, key }, (client) => {
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  // Failed handshakes (the tests that expect them) must not crash the process.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return {
    port: addr.port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url.replace(/^pulsar(\+ssl)?:/, 'http:'));
  return { host: u.hostname, port: Number(u.port) };
}

describe('Pulsar client over TLS against a real broker', { timeout: 300_000 }, () => {
  let dir = '';
  let broker: PulsarStandalone | undefined;
  let front: { port: number; close: () => Promise<void> } | undefined;
  let tlsUrl: string;
  const clients: PulsarClient[] = [];

  function client(serviceUrl: string, tlsOptions: TlsOptions): PulsarClient {
    const c = new PulsarClient({
      serviceUrl,
      tls: tlsOptions,
      operationTimeoutMs: 5_000,
      connectionTimeoutMs: 5_000,
    });
    clients.push(c);
    return c;
  }

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pwo-tls-'));
    await makeCaFiles(dir, 'ca');
    await makeCaFiles(dir, 'other-ca');
    await makeServerCert(dir, 'ca', 'broker', 'IP:127.0.0.1,DNS:localhost');
    await makeServerCert(dir, 'ca', 'ip-only', 'IP:127.0.0.1');
    broker = await PulsarStandalone.start({
      name: uniqueName('tls'),
      tls: {
        certificateFilePath: path.join(dir, 'broker.crt'),
        keyFilePath: path.join(dir, 'broker.key'),
        trustCertsFilePath: path.join(dir, 'ca.crt'),
      },
    });
    assert.ok(broker.endpoints.serviceUrlTls !== undefined);
    tlsUrl = broker.endpoints.serviceUrlTls;
    front = await startTlsFront(
      await readFile(path.join(dir, 'ip-only.crt')),
      await readFile(path.join(dir, 'ip-only.key')),
      hostPort(broker.endpoints.serviceUrl),
    );
  });

  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await front?.close();
    await broker?.destroy();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('produces and consumes over pulsar+ssl:// trusting the CA file', async () => {
    const c = client(tlsUrl, { trustCertsFilePath: path.join(dir, 'ca.crt') });
    const topic = uniqueName('tls-roundtrip');
    const consumer = await Consumer.create(c, {
      topic,
      subscription: 'sub',
      subscriptionType: 'Exclusive',
    });
    const producer = await Producer.create(c, { topic });
    try {
      await producer.send({ payload: Buffer.from('over tls'), properties: { k: 'v' } });
      const msg = await consumer.receive(AbortSignal.timeout(15_000));
      assert.equal(msg.payload.toString(), 'over tls');
      assert.deepEqual({ ...msg.properties }, { k: 'v' });
      await consumer.acknowledge(msg);
      const found = await c.getConnection(`persistent://public/default/${topic}`);
      assert.match(found.logicalAddress, /^pulsar\+ssl:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await producer.close();
      await consumer.close();
    }
  });

  it('rejects a certificate lacking the dialled host name, unless hostname checks are off', async () => {
    assert.ok(front !== undefined);
    const url = `pulsar+ssl://localhost:${front.port}`;
    const topic = `persistent://public/default/${uniqueName('tls-host')}`;
    const strict = client(url, { trustCertsFilePath: path.join(dir, 'ca.crt') });
    await assert.rejects(strict.getConnection(topic), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'PULSAR_ERR_CONNECT_FAILED', String(err));
      return true;
    });
    const lax = client(url, {
      trustCertsFilePath: path.join(dir, 'ca.crt'),
      validateHostname: false,
    });
    const found = await lax.getConnection(topic);
    assert.equal(found.connection.state, 'ready');
  });

  it('rejects an untrusted CA, unless insecure connections are allowed', async () => {
    const topic = `persistent://public/default/${uniqueName('tls-ca')}`;
    const untrusted = client(tlsUrl, { trustCertsFilePath: path.join(dir, 'other-ca.crt') });
    await assert.rejects(untrusted.getConnection(topic), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'PULSAR_ERR_CONNECT_FAILED', String(err));
      return true;
    });
    const insecure = client(tlsUrl, {
      trustCertsFilePath: path.join(dir, 'other-ca.crt'),
      allowInsecureConnection: true,
    });
    const found = await insecure.getConnection(topic);
    assert.equal(found.connection.state, 'ready');
  });
});
