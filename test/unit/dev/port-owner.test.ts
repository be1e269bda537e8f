import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { listensOn, parseListeningInodes } from '../../../scripts/dev/port-owner.ts';

// Lines as /proc/net/tcp and /proc/net/tcp6 print them (port 0xB15F = 45407).
const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:B15F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 956119 2 000000005a31edf2 100 0 0 10 0',
  '   1: 0100007F:B15F 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 956200 1 0000000000000000 20 4 30 10 -1',
  '   2: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1145 1 00000000d35ac166 100 0 0 10 0',
].join('\n');
const TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0000000000000000FFFF00000100007F:A6F3 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77001 1 0000000000000000 100 0 0 10 0',
].join('\n');

describe('parseListeningInodes', () => {
  it('finds listening sockets by port, IPv4 and IPv6, and ignores connections', () => {
    assert.deepEqual(parseListeningInodes(TCP, 45407), ['956119']);
    assert.deepEqual(parseListeningInodes(TCP, 2024), ['1145']);
    assert.deepEqual(parseListeningInodes(TCP6, 42739), ['77001']);
    assert.deepEqual(parseListeningInodes(TCP, 42739), []);
  });
});

describe('listensOn', { skip: !existsSync('/proc/net/tcp') && 'needs Linux /proc' }, () => {
  it('tells our own listener from one of another process on the same machine', async () => {
    const mine = net.createServer().listen(0, '127.0.0.1');
    await once(mine, 'listening');
    const myPort = (mine.address() as net.AddressInfo).port;
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const s=require('net').createServer().listen(0,'::',()=>console.log(s.address().port))",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      const theirPort = Number(chunk.toString().trim());
      assert.equal(listensOn(process.pid, [myPort]), true);
      assert.equal(listensOn(child.pid, [theirPort]), true);
      assert.equal(listensOn(process.pid, [theirPort]), false, 'a foreign listener is not ours');
      assert.equal(listensOn(process.pid, [myPort, theirPort]), false, 'all ports must be ours');
      assert.equal(listensOn(undefined, [myPort]), false);
    } finally {
      child.kill();
      mine.close();
    }
  });
});
