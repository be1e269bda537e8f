/**
 * The port race of the test services, provoked for real: another process listens on a port
 * between our choice and the child's bind. The injected port chooser hands out a port this
 * test holds open (the first time only); the service must fail to bind it, say so, start
 * again on new ports and come up. Private services: the shared ones are not touched.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KubeControlPlane } from '../../../scripts/dev/kube-control-plane.ts';
import { PulsarStandalone } from '../../../scripts/dev/pulsar-standalone.ts';
import { JavaWebSocketProxy } from '../../../scripts/dev/java-websocket-proxy.ts';
import { CACHE_DIR } from '../../../scripts/dev/paths.ts';
import { freePort, type PortChooser } from '../../../scripts/dev/ports.ts';
import { uniqueName } from '../../helpers/test-env.ts';

/** A port this test holds open, as a foreign process that took it would. */
interface HeldPort {
  port: number;
  release: () => Promise<void>;
}

/**
 * Listens on a fresh port at 127.0.0.1, accepting connections and never answering (probes
 * must time out on it, not hang).
 */
async function occupyPort(): Promise<HeldPort> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  server.listen(await freePort(), '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return {
    port: addr.port,
    release: async () => {
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      // close() waits for open connections to end.
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/**
 * A chooser that answers the `n`-th call (1-based) with `taken[n]` and every other call with a
 * really free port; it records what it handed out.
 */
function racingChooser(taken: Map<number, number>): { choose: PortChooser; handed: number[] } {
  const handed: number[] = [];
  const choose: PortChooser = async () => {
    const port = taken.get(handed.length + 1) ?? (await freePort());
    handed.push(port);
    return port;
  };
  return { choose, handed };
}

/** Runs `fn` while collecting the progress lines (stderr) it prints; still prints them. */
async function withProgress<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let lines = '';
  process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) => {
    lines += String(chunk);
    return write(chunk, ...rest);
  };
  try {
    return { result: await fn(), lines };
  } finally {
    process.stderr.write = write;
  }
}

describe('port race: a service whose port was taken starts again on new ports', () => {
  const held: HeldPort[] = [];
  before(async () => {
    held.push(await occupyPort(), await occupyPort());
  });
  after(async () => {
    for (const h of held) await h.release();
  });

  it('control plane: etcd and kube-apiserver each lose their first port and still come up', async () => {
    const [etcdTaken, apiTaken] = held.map((h) => h.port) as [number, number];
    // Call order of KubeControlPlane.start: etcd client (1) and peer (2); after etcd's retry,
    // its client (3) and peer (4); kube-apiserver (5), again (6); controller manager (7).
    const { choose, handed } = racingChooser(
      new Map([
        [1, etcdTaken],
        [5, apiTaken],
      ]),
    );
    const name = uniqueName('port-race-kube');
    let plane: KubeControlPlane | undefined;
    try {
      const { result, lines } = await withProgress(() =>
        KubeControlPlane.start({ name, portChooser: choose }),
      );
      plane = result;
      assert.match(lines, /etcd could not bind a port .*attempt 1\/3/);
      assert.match(lines, /kube-apiserver could not bind a port .*attempt 1\/3/);
      assert.equal(handed.length, 7, `ports handed out: ${handed.join(',')}`);
      const dir = path.join(CACHE_DIR, 'run', name);
      assert.match(
        readFileSync(path.join(dir, 'etcd.log'), 'utf8'),
        new RegExp(`127\\.0\\.0\\.1:${etcdTaken}: bind: address already in use`),
      );
      assert.match(
        readFileSync(path.join(dir, 'apiserver.log'), 'utf8'),
        new RegExp(`127\\.0\\.0\\.1:${apiTaken}: bind: address already in use`),
      );
      // Up on the retry's port, and the kubeconfig handed out points there.
      const server = new URL(plane.endpoints.server);
      assert.equal(Number(server.port), handed[5]);
      assert.notEqual(Number(server.port), apiTaken);
      assert.match(
        readFileSync(plane.endpoints.kubeconfig, 'utf8'),
        new RegExp(`:${server.port}"`),
      );
      assert.equal((await plane.get('/readyz')).status, 200);
      // The controller manager works too (it created the default service account).
      assert.equal(
        (await plane.get('/api/v1/namespaces/default/serviceaccounts/default')).status,
        200,
      );
    } finally {
      await plane?.destroy();
    }
  });

  it('Pulsar standalone and Java proxy: each loses its port and still comes up', async () => {
    const brokerTaken = (held[0] as HeldPort).port;
    // Call order of PulsarStandalone.start: broker service port (1), web (2), bookie (3).
    const { choose, handed } = racingChooser(new Map([[1, brokerTaken]]));
    let broker: PulsarStandalone | undefined;
    let proxy: JavaWebSocketProxy | undefined;
    try {
      const { result, lines } = await withProgress(() =>
        PulsarStandalone.start({ name: uniqueName('port-race-pulsar'), portChooser: choose }),
      );
      broker = result;
      assert.match(lines, /standalone broker could not bind a port .*attempt 1\/3/);
      assert.equal(handed.length, 6, `ports handed out: ${handed.join(',')}`);
      assert.equal(broker.endpoints.serviceUrl, `pulsar://127.0.0.1:${handed[3]}`);
      const res = await fetch(`${broker.endpoints.adminUrl}/admin/v2/clusters`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), ['standalone']);
      const socket = net.connect(handed[3] ?? 0, '127.0.0.1');
      await once(socket, 'connect');
      socket.destroy();
      // The bookie listens on the port we chose, not on one the JVM picked itself.
      assert.match(
        readFileSync(path.join(broker.dataDir, 'broker.log'), 'utf8'),
        new RegExp(`Starting new bookie on port: ${handed[5]}\\b`),
      );
      // The Java WebSocket proxy beside it: its Jetty loses its port the same way.
      const proxyTaken = (held[1] as HeldPort).port;
      const proxyChooser = racingChooser(new Map([[1, proxyTaken]]));
      const started = await withProgress(() =>
        JavaWebSocketProxy.start(result.endpoints, {
          name: uniqueName('port-race-proxy'),
          portChooser: proxyChooser.choose,
        }),
      );
      proxy = started.result;
      assert.match(started.lines, /Java WebSocket proxy could not bind a port .*attempt 1\/3/);
      assert.deepEqual(proxyChooser.handed.length, 2);
      assert.equal(proxy.wsUrl, `ws://127.0.0.1:${proxyChooser.handed[1]}`);
      const stats = await fetch(
        `http://127.0.0.1:${proxyChooser.handed[1]}/admin/v2/proxy-stats/metrics`,
      );
      assert.equal(stats.status, 200);
      await stats.arrayBuffer();
    } finally {
      await proxy?.destroy();
      await broker?.destroy();
    }
  });
});
