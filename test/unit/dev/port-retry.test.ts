import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { retryOnBindFailure } from '../../../scripts/dev/port-retry.ts';

const ETCD_BIND =
  '{"level":"fatal","ts":"2026-11-24T01:47:11.022757Z","caller":"etcdmain/etcd.go:204","msg":"discovery failed","error":"listen tcp 127.0.0.1:23456: bind: address already in use"}';

describe('retryOnBindFailure', () => {
  // progress() writes to stderr; capture it to check the line that says why.
  let lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  beforeEach(() => {
    lines = [];
    process.stderr.write = (chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    };
  });
  afterEach(() => {
    process.stderr.write = write;
  });

  it('starts again after a bind failure and returns the later success', async () => {
    const logs = [ETCD_BIND, 'ready'];
    let current = '';
    const seen: number[] = [];
    const result = await retryOnBindFailure({
      component: 'kube',
      what: 'etcd',
      attempt: (n) => {
        seen.push(n);
        current = logs[n - 1] ?? '';
        return n === 1 ? Promise.reject(new Error('exited')) : Promise.resolve(`url-${n}`);
      },
      logOfAttempt: () => current,
    });
    assert.equal(result, 'url-2');
    assert.deepEqual(seen, [1, 2]);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /\[kube .*\] etcd could not bind .*attempt 1\/3.*new ports/);
    assert.match(lines[0] ?? '', /bind: address already in use/);
  });

  it('does not retry a failure whose log shows no bind failure', async () => {
    const failure = new Error('etcd: not ready after 30000 ms');
    let calls = 0;
    await assert.rejects(
      retryOnBindFailure({
        component: 'kube',
        what: 'etcd',
        attempt: () => {
          calls++;
          return Promise.reject(failure);
        },
        logOfAttempt: () => 'bind: permission denied',
      }),
      (err) => err === failure,
    );
    assert.equal(calls, 1);
    assert.deepEqual(lines, []);
  });

  it('gives up after the given attempts and throws the last error', async () => {
    let calls = 0;
    await assert.rejects(
      retryOnBindFailure({
        component: 'pulsar',
        what: 'standalone broker',
        attempts: 2,
        attempt: () => Promise.reject(new Error(`attempt ${++calls}`)),
        logOfAttempt: () => 'java.net.BindException: Address already in use',
      }),
      { message: 'attempt 2' },
    );
    assert.equal(calls, 2);
    assert.equal(lines.length, 1);
  });
});
