import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import {
  MAX_PORT,
  MIN_PORT,
  candidateRanges,
  createPortChooser,
  freePort,
  isPortAvailable,
  parseEphemeralRange,
  readEphemeralRange,
} from '../../../scripts/dev/ports.ts';

/** Listens on `port` (0: the kernel picks) at `host`; returns the server and its port. */
async function hold(port: number, host: string): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer();
  server.listen(port, host);
  await once(server, 'listening');
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return { server, port: addr.port };
}

async function release(server: net.Server): Promise<void> {
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
}

describe('ephemeral range and candidates', () => {
  it('parses the kernel setting and rejects anything else', () => {
    assert.deepEqual(parseEphemeralRange('32768\t60999\n'), { low: 32768, high: 60999 });
    assert.deepEqual(parseEphemeralRange(' 1024 65535 '), { low: 1024, high: 65535 });
    assert.equal(parseEphemeralRange('60999 32768'), undefined);
    assert.equal(parseEphemeralRange('32768'), undefined);
    assert.equal(parseEphemeralRange('0 70000'), undefined);
    assert.equal(parseEphemeralRange('a b'), undefined);
  });

  it('falls back to the IANA dynamic range when the setting cannot be read', () => {
    assert.deepEqual(readEphemeralRange('/nonexistent/ip_local_port_range'), {
      low: 49152,
      high: 65535,
    });
  });

  it('keeps the ports outside the ephemeral range, above the floor', () => {
    assert.deepEqual(candidateRanges({ low: 32768, high: 60999 }), [
      { low: MIN_PORT, high: 32767 },
      { low: 61000, high: MAX_PORT },
    ]);
    assert.deepEqual(candidateRanges({ low: 49152, high: 65535 }), [
      { low: MIN_PORT, high: 49151 },
    ]);
    assert.deepEqual(candidateRanges({ low: 1024, high: 30000 }), [{ low: 30001, high: MAX_PORT }]);
  });

  it('gives no candidates when the ephemeral range leaves too few (kernel ports then)', () => {
    assert.deepEqual(candidateRanges({ low: 1024, high: 65000 }), []);
  });
});

describe('isPortAvailable', () => {
  it('is false while anything listens on the port (loopback, IPv6 loopback, wildcard)', async () => {
    for (const host of ['127.0.0.1', '::1', '0.0.0.0', '::']) {
      const { server, port } = await hold(0, host);
      assert.equal(await isPortAvailable(port), false, `held on ${host}`);
      await release(server);
      assert.equal(await isPortAvailable(port), true, `released on ${host}`);
    }
  });
});

describe('createPortChooser', () => {
  it('on this machine: distinct ports, outside the ephemeral range, each bindable', async () => {
    const eph = readEphemeralRange();
    const choose = createPortChooser();
    const ports = await Promise.all(Array.from({ length: 40 }, () => choose()));
    assert.equal(new Set(ports).size, ports.length, `duplicates in ${ports.join(',')}`);
    for (const p of ports) {
      assert.ok(p >= MIN_PORT && p <= MAX_PORT, `${p} out of range`);
      assert.ok(p < eph.low || p > eph.high, `${p} inside ephemeral ${eph.low}-${eph.high}`);
    }
    // Really free: a service can bind each on loopback right away.
    for (const p of ports.slice(0, 5)) {
      const { server } = await hold(p, '127.0.0.1');
      await release(server);
    }
  });

  it('skips a port someone listens on', async () => {
    const taken = await hold(0, '127.0.0.1');
    after(() => release(taken.server));
    // Another port nobody holds: the kernel's pick, released at once.
    const spare = await hold(0, '127.0.0.1');
    await release(spare.server);
    const ranges = [
      { low: taken.port, high: taken.port },
      { low: spare.port, high: spare.port },
    ];
    const picks = [0, 1];
    const choose = createPortChooser({ ranges, random: () => picks.shift() ?? 0 });
    assert.equal(await choose(), spare.port);
    assert.deepEqual(picks, [], 'the taken port was tried first');
  });

  it('never hands out a port twice; falls back to kernel ports when the range is used up', async () => {
    const ranges = [{ low: 30100, high: 30102 }];
    const picks = [0, 0, 1, 0, 1, 2];
    const checked: number[] = [];
    const choose = createPortChooser({
      ranges,
      random: () => picks.shift() ?? 0,
      isAvailable: (p) => {
        checked.push(p);
        return Promise.resolve(true);
      },
    });
    const got = [await choose(), await choose(), await choose()];
    assert.deepEqual(got, [30100, 30101, 30102]);
    assert.deepEqual(checked, [30100, 30101, 30102], 'a repeat is skipped without a check');
    const fallback = await choose();
    assert.ok(!got.includes(fallback), `fallback ${fallback} repeats a port`);
  });

  it('concurrent calls get distinct ports even while checks are pending', async () => {
    let draws = 0;
    const choose = createPortChooser({
      ranges: [{ low: 30200, high: 30204 }],
      // All five callers first draw the same port, before any check has finished: only the
      // reservation made before the check keeps them apart.
      random: () => (draws++ < 5 ? 0 : draws % 5),
      isAvailable: () =>
        new Promise((r) =>
          setImmediate(() => {
            r(true);
          }),
        ),
    });
    const ports = await Promise.all(Array.from({ length: 5 }, () => choose()));
    assert.deepEqual(
      [...ports].sort((a, b) => a - b),
      [30200, 30201, 30202, 30203, 30204],
    );
  });

  it('separate choosers (separate processes) start from different random ports', async () => {
    const a = await Promise.all(Array.from({ length: 5 }, createPortChooser()));
    const b = await Promise.all(Array.from({ length: 5 }, createPortChooser()));
    // 5 draws each from ~17 000 candidates: identical sequences would mean no randomisation.
    assert.notDeepEqual(a, b);
  });
});

describe('freePort', () => {
  it('is one chooser per process: never the same port twice', async () => {
    const ports: number[] = [];
    for (let n = 0; n < 20; n++) ports.push(await freePort());
    assert.equal(new Set(ports).size, 20);
  });
});
