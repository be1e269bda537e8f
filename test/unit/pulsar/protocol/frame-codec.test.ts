import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BaseCommand } from '../../../../src/pulsar/protocol/command-types.ts';
import {
  connectCommand,
  pingCommand,
  sendCommand,
} from '../../../../src/pulsar/protocol/commands.ts';
import { CommandType } from '../../../../src/pulsar/protocol/constants.ts';
import {
  FrameDecoder,
  encodeCommandFrame,
  encodePayloadFrame,
  type Frame,
} from '../../../../src/pulsar/protocol/frame-codec.ts';
import { messageMetadataCodec } from '../../../../src/pulsar/protocol/proto.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Golden frames, derived by hand from the protobuf wire format (tag = field << 3 | wire type,
// varints little-endian base 128) and the framing table of docs/pulsar-binary-protocol.md §1.2,
// not from our encoder. The SEND checksum was computed with an independent bit-at-a-time CRC32C
// in Python over the bytes from metadataSize to the end of the frame.
function golden(text: string): Buffer {
  // Each line: hex bytes, then optional commentary after two spaces.
  return hex(
    text
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/)[0] ?? '')
      .join(''),
  );
}

const PING_FRAME = golden(`
  00000009  totalSize = 9
  00000005  commandSize = 5
  0812  type = PING (18)
  920100  field 18 (ping), length-delimited, empty
`);

const CONNECT_FRAME = golden(`
  0000001f  totalSize = 31
  0000001b  commandSize = 27
  0802  type = CONNECT (2)
  1217  field 2 (connect), 23 bytes
  0a0174  client_version = "t"
  1a03616263  auth_data = "abc"
  2014  protocol_version = 20
  2a05746f6b656e  auth_method_name = "token"
  5204  feature_flags, 4 bytes
  0801  supports_auth_refresh = true
  1001  supports_broker_entry_metadata = true
`);

const SEND_FRAME = golden(`
  00000022  totalSize = 34
  0000000a  commandSize = 10
  0806  type = SEND (6)
  3206  field 6 (send), 6 bytes
  0801  producer_id = 1
  1007  sequence_id = 7
  1801  num_messages = 1
  0e01  magic
  90bb0e5a  crc32c
  00000008  metadataSize
  0a0170  producer_name = "p"
  1007  sequence_id = 7
  18e807  publish_time = 1000
  6869  payload "hi"
`);

function feedAll(decoder: FrameDecoder, chunks: Buffer[]): Frame[] {
  const frames: Frame[] = [];
  for (const c of chunks) {
    const r = decoder.push(c);
    assert.equal(r.error, undefined, r.error?.message);
    frames.push(...r.frames);
  }
  return frames;
}

describe('frame codec: golden bytes', () => {
  it('encodes PING', () => {
    assert.equal(encodeCommandFrame(pingCommand()).toString('hex'), PING_FRAME.toString('hex'));
    assert.equal(PING_FRAME.toString('hex'), '00000009000000050812920100');
  });

  it('encodes CONNECT with auth and feature flags', () => {
    const frame = encodeCommandFrame(
      connectCommand({ clientVersion: 't', authMethodName: 'token', authData: Buffer.from('abc') }),
    );
    assert.equal(frame.toString('hex'), CONNECT_FRAME.toString('hex'));
  });

  it('encodes SEND with CRC32C over metadata and payload', () => {
    const frame = encodePayloadFrame(
      sendCommand({ producerId: 1n, sequenceId: 7n, numMessages: 1 }),
      { producerName: 'p', sequenceId: 7n, publishTime: 1000n },
      Buffer.from('hi'),
    );
    assert.equal(frame.toString('hex'), SEND_FRAME.toString('hex'));
  });

  it('decodes the golden SEND frame', () => {
    const [frame] = feedAll(new FrameDecoder(), [SEND_FRAME]);
    assert.ok(frame);
    assert.equal(frame.command.type, CommandType.SEND);
    assert.deepEqual(frame.command.send, { producerId: 1n, sequenceId: 7n, numMessages: 1 });
    assert.equal(frame.payload?.checksum, 'valid');
    assert.equal(frame.payload.data.toString(), 'hi');
    assert.deepEqual(messageMetadataCodec.decode(frame.payload.metadata), {
      producerName: 'p',
      sequenceId: 7n,
      publishTime: 1000n,
    });
  });
});

describe('frame codec: proto2 presence and 64-bit values', () => {
  it('encodes num_messages_in_batch = 1 although it equals the default', () => {
    const bytes = messageMetadataCodec.encode({
      producerName: 'p',
      sequenceId: 0n,
      publishTime: 0n,
      numMessagesInBatch: 1,
    });
    // field 11, varint: tag 0x58, value 1
    assert.ok(Buffer.from(bytes).toString('hex').endsWith('5801'));
    const decoded = messageMetadataCodec.decode(bytes);
    assert.equal(decoded.numMessagesInBatch, 1);
    assert.ok(Object.hasOwn(decoded, 'numMessagesInBatch'));
  });

  it('leaves absent fields absent after decoding', () => {
    const decoded = messageMetadataCodec.decode(
      messageMetadataCodec.encode({ producerName: 'p', sequenceId: 0n, publishTime: 0n }),
    );
    assert.ok(!Object.hasOwn(decoded, 'numMessagesInBatch'));
    assert.ok(!Object.hasOwn(decoded, 'compression'));
  });

  it('round-trips uint64 and int64 extremes through bigint', () => {
    const max = (1n << 64n) - 1n;
    const cmd: BaseCommand = {
      type: CommandType.SEND,
      send: { producerId: max, sequenceId: (1n << 53n) + 1n, highestSequenceId: 1n << 63n },
    };
    const [frame] = feedAll(new FrameDecoder(), [encodeCommandFrame(cmd)]);
    assert.deepEqual(frame?.command, cmd);
    const meta = messageMetadataCodec.decode(
      messageMetadataCodec.encode({
        producerName: 'p',
        sequenceId: 0n,
        publishTime: 0n,
        deliverAtTime: -(1n << 62n) - 3n,
      }),
    );
    assert.equal(meta.deliverAtTime, -(1n << 62n) - 3n);
  });
});

describe('FrameDecoder', () => {
  const frames = [
    encodeCommandFrame(pingCommand()),
    SEND_FRAME,
    encodeCommandFrame(connectCommand({ clientVersion: 'x'.repeat(300), authMethodName: 'token' })),
  ];
  const stream = Buffer.concat(frames);

  it('decodes a stream fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const out = feedAll(
      decoder,
      [...stream].map((b) => Buffer.of(b)),
    );
    assert.deepEqual(
      out.map((f) => f.command.type),
      [CommandType.PING, CommandType.SEND, CommandType.CONNECT],
    );
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('decodes several frames coalesced in one chunk', () => {
    const out = feedAll(new FrameDecoder(), [stream]);
    assert.equal(out.length, 3);
    assert.equal(out[1]?.payload?.data.toString(), 'hi');
  });

  it('decodes frames split at arbitrary points', () => {
    for (let cut = 1; cut < stream.length; cut += 7) {
      const out = feedAll(new FrameDecoder(), [stream.subarray(0, cut), stream.subarray(cut)]);
      assert.equal(out.length, 3, `cut at ${cut}`);
    }
  });

  it('rejects an oversized frame before buffering its body', () => {
    const decoder = new FrameDecoder({ maxFrameSize: 1024 });
    const header = Buffer.alloc(8);
    header.writeUInt32BE(2000, 0);
    const r = decoder.push(Buffer.concat([encodeCommandFrame(pingCommand()), header]));
    assert.equal(r.frames.length, 1, 'frames before the fault are returned');
    assert.equal(r.error?.code, 'PULSAR_ERR_FRAME_TOO_LARGE');
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('reports garbage as a typed error and stays poisoned', () => {
    const decoder = new FrameDecoder();
    const r = decoder.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    assert.equal(r.error?.code, 'PULSAR_ERR_FRAME_TOO_LARGE');
    const again = decoder.push(encodeCommandFrame(pingCommand()));
    assert.equal(again.error, r.error);
    assert.equal(again.frames.length, 0);
  });

  it('reports an undecodable command as a protocol error', () => {
    const bad = Buffer.concat([hex('00000008 00000004'), hex('ffffffff')]);
    const r = new FrameDecoder().push(bad);
    assert.equal(r.error?.code, 'PULSAR_ERR_PROTOCOL');
  });

  it('reports a command size larger than the frame', () => {
    const r = new FrameDecoder().push(hex('00000006 000000ff 0812'));
    assert.equal(r.error?.code, 'PULSAR_ERR_PROTOCOL');
  });

  it('reports a frame size below the minimum', () => {
    const r = new FrameDecoder().push(hex('00000002 0000'));
    assert.equal(r.error?.code, 'PULSAR_ERR_PROTOCOL');
  });

  it('flags a bad checksum without losing stream sync', () => {
    const corrupt = Buffer.from(SEND_FRAME);
    const last = corrupt.length - 1;
    corrupt.writeUInt8(corrupt.readUInt8(last) ^ 0x01, last);
    const out = feedAll(new FrameDecoder(), [corrupt, encodeCommandFrame(pingCommand())]);
    assert.equal(out[0]?.payload?.checksum, 'invalid');
    assert.equal(out[1]?.command.type, CommandType.PING);
  });

  it('accepts payload frames without a checksum', () => {
    const frame = encodePayloadFrame(
      sendCommand({ producerId: 1n, sequenceId: 1n }),
      { producerName: 'p', sequenceId: 1n, publishTime: 1n },
      Buffer.from('x'),
      { checksum: false },
    );
    const [out] = feedAll(new FrameDecoder(), [frame]);
    assert.equal(out?.payload?.checksum, 'absent');
    assert.equal(out.payload.data.toString(), 'x');
  });

  it('skips a 0x0e02 broker-entry-metadata block and still checks the CRC', () => {
    const bem = Buffer.from('0801', 'hex'); // broker_timestamp = 1
    const frame = encodePayloadFrame(
      {
        type: CommandType.MESSAGE,
        message: { consumerId: 3n, messageId: { ledgerId: 1n, entryId: 2n } },
      },
      { producerName: 'p', sequenceId: 1n, publishTime: 1n },
      Buffer.from('payload'),
      { brokerEntryMetadata: bem },
    );
    assert.equal(frame.readUInt16BE(8 + frame.readUInt32BE(4)), 0x0e02);
    const [out] = feedAll(new FrameDecoder(), [frame]);
    assert.equal(out?.payload?.checksum, 'valid');
    assert.equal(out.payload.data.toString(), 'payload');
    assert.deepEqual(out.payload.brokerEntryMetadata, bem);
  });

  it('reports a truncated payload section', () => {
    const cmd = encodeCommandFrame(sendCommand({ producerId: 1n, sequenceId: 1n }));
    const body = Buffer.concat([cmd.subarray(4), hex('0e01 00000000 0000ffff')]);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(body.length, 0);
    const r = new FrameDecoder().push(Buffer.concat([size, body]));
    assert.equal(r.error?.code, 'PULSAR_ERR_PROTOCOL');
  });
});
