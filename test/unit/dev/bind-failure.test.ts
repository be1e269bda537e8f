/**
 * The bind-failure classifier over lines our services really printed when their port was
 * taken (etcd 3.5.21, kube-controller-manager and kube-apiserver 1.33.13, Pulsar 4.0.7 standalone
 * and WebSocket proxy, Node 24), provoked on this machine by holding the port they were given,
 * and over lines that must not count (real ones, except the two marked as constructed).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findBindFailure } from '../../../scripts/dev/bind-failure.ts';

const BIND_FAILURES: Record<string, string> = {
  'etcd, client port': [
    '{"level":"warn","ts":"2026-11-24T01:47:11.017700Z","caller":"embed/config.go:689","msg":"Running http and grpc server on single port. This is not recommended for production."}',
    '{"level":"warn","ts":"2026-11-24T01:47:11.022642Z","caller":"etcdmain/etcd.go:146","msg":"failed to start etcd","error":"listen tcp 127.0.0.1:23456: bind: address already in use"}',
    '{"level":"fatal","ts":"2026-11-24T01:47:11.022757Z","caller":"etcdmain/etcd.go:204","msg":"discovery failed","error":"listen tcp 127.0.0.1:23456: bind: address already in use","stacktrace":"go.etcd.io/etcd/server/v3/etcdmain.startEtcdOrProxyV2\\n\\tgo.etcd.io/etcd/server/v3@v3.5.21/etcdmain/etcd.go:204"}',
  ].join('\n'),
  'etcd, peer port': [
    '{"level":"error","ts":"2026-11-24T01:47:11.072073Z","caller":"embed/etcd.go:570","msg":"creating peer listener failed","error":"listen tcp 127.0.0.1:23456: bind: address already in use","stacktrace":"go.etcd.io/etcd/server/v3/embed.configurePeerListeners\\n\\tgo.etcd.io/etcd/server/v3@v3.5.21/embed/etcd.go:570"}',
  ].join('\n'),
  'kube-apiserver': [
    'I1124 02:03:22.343822    8188 options.go:249] external host was not specified, using 127.0.0.1',
    'E1124 02:03:22.345865    8188 run.go:72] "command failed" err="failed to create listener: failed to listen on 127.0.0.1:23924: listen tcp 127.0.0.1:23924: bind: address already in use"',
  ].join('\n'),
  'kube-controller-manager': [
    'I1124 01:55:09.069460    3352 flags.go:64] FLAG: --vmodule=""',
    'I1124 01:55:09.246843    3352 serving.go:386] Generated self-signed cert in-memory',
    'E1124 01:55:09.248230    3352 run.go:72] "command failed" err="failed to create listener: failed to listen on 127.0.0.1:23458: listen tcp 127.0.0.1:23458: bind: address already in use"',
  ].join('\n'),
  'Pulsar standalone, bookie port': [
    '01:58:16.275 INFO  o.a.p.m.b.BKCluster - Starting new bookie on port: 21919',
    '01:58:16.663 ERROR o.a.p.PulsarStandaloneStarter - Failed to start pulsar service.',
    'io.netty.channel.unix.Errors$NativeIoException: bind(..) failed: Address already in use',
  ].join('\n'),
  'Pulsar standalone, broker service port': [
    '01:58:23.033 ERROR o.a.p.b.PulsarService - Failed to start Pulsar service: Failed to bind Pulsar broker on /127.0.0.1:24972',
    'java.io.IOException: Failed to bind Pulsar broker on /127.0.0.1:24972',
    'Caused by: io.netty.channel.unix.Errors$NativeIoException: bind(..) failed: Address already in use',
  ].join('\n'),
  'Pulsar standalone, web service port (Jetty)': [
    '01:58:36.059 ERROR o.a.p.b.PulsarService - Failed to start Pulsar service: java.io.IOException: Failed to bind to /127.0.0.1:26717',
    'Caused by: java.io.IOException: Failed to bind to /127.0.0.1:26717',
    'Caused by: java.net.BindException: Address already in use',
    '\tat sun.nio.ch.Net.bind0(Native Method) ~[?:?]',
  ].join('\n'),
  'Java WebSocket proxy (Jetty)': [
    '2026-11-24T01:58:10,467 - ERROR - [main:WebSocketServiceStarter@86] - Failed to start WebSocket service',
    'org.apache.pulsar.broker.PulsarServerException: java.io.IOException: Failed to bind to 0.0.0.0/0.0.0.0:29653',
    'Caused by: java.net.BindException: Address already in use',
  ].join('\n'),
  Node: 'Error: listen EADDRINUSE: address already in use 127.0.0.1:36373',
};

const NOT_BIND_FAILURES: Record<string, string> = {
  'etcd, address not on this host (new ports would not help)':
    '{"level":"fatal","ts":"2026-11-24T01:55:14.513454Z","caller":"etcdmain/etcd.go:204","msg":"discovery failed","error":"listen tcp 10.255.255.1:23459: bind: cannot assign requested address"}',
  // Constructed in Go's format: as root this machine cannot provoke EACCES.
  'Go, port not ours to bind': 'listen tcp 127.0.0.1:80: bind: permission denied',
  'Pulsar, a normal start':
    '01:14:36.759 INFO  o.a.p.m.b.BKCluster - Starting new bookie on port: 35109\n01:14:37.028 INFO  o.a.b.p.BookieNettyServer - Binding bookie-rpc endpoint to 0.0.0.0/0.0.0.0:35109',
  // The JVM's standard message, not provoked here.
  'Pulsar, out of memory': 'java.lang.OutOfMemoryError: Java heap space',
  'empty log': '',
};

describe('findBindFailure', () => {
  for (const [service, log] of Object.entries(BIND_FAILURES)) {
    it(`finds the port race in the log of ${service}`, () => {
      const line = findBindFailure(log);
      assert.ok(line !== undefined, 'no bind failure found');
      assert.match(line, /address already in use/i);
    });
  }

  for (const [what, log] of Object.entries(NOT_BIND_FAILURES)) {
    it(`finds none in ${what}`, () => {
      assert.equal(findBindFailure(log), undefined);
    });
  }

  it('returns the first such line, trimmed to one readable line', () => {
    const long = `E1124 run.go:72] "command failed" err="${'x'.repeat(400)} bind: address already in use"`;
    const line = findBindFailure(
      `first line\n  ${long}\nCaused by: BindException: Address already in use`,
    );
    assert.ok(line !== undefined);
    assert.ok(line.startsWith('E1124 run.go:72]'), line);
    assert.ok(line.length <= 240, `${line.length} characters`);
    assert.ok(line.endsWith('...'));
  });
});
