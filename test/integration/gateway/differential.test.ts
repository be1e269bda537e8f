/**
 * Differential suite (issue 4): the same scenario against the reference Java proxy embedded in
 * the broker (`pulsarEnv().wsUrl`) and against our gateway, compared field by field. Only the
 * deviations listed in docs/compatibility.md may differ.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import { decodeMessageIdBase64 } from '../../../src/pulsar/index.ts';
import { eventually } from '../../helpers/eventually.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs, upgradeStatus } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';
import { openWithQueue, startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** The JSON shape: keys in order with the type of each value. */
function shape(o: Record<string, unknown>): string[] {
  return Object.entries(o).map(([k, v]) => `${k}:${typeof v}`);
}

async function backlog(topic: string, sub: string): Promise<number> {
  const res = await fetch(
    `${pulsarEnv().adminUrl}/admin/v2/persistent/public/default/${topic}/stats`,
  );
  const stats = (await res.json()) as { subscriptions: Record<string, { msgBacklog: number }> };
  return stats.subscriptions[sub]?.msgBacklog ?? -1;
}

describe('differential: Java proxy vs our gateway', () => {
  let gw: TestGateway;
  let java: string;
  before(async () => {
    gw = await startGateway();
    java = pulsarEnv().wsUrl;
  });
  after(async () => {
    await gw.close();
  });

  it('gives the same HTTP status for bad handshake parameters', async () => {
    const t = uniqueName('diff-params');
    const prod = `/ws/v2/producer/persistent/public/default/${t}`;
    const cons = `/ws/v2/consumer/persistent/public/default/${t}`;
    const cases = [
      `${prod}?sendTimeoutMillis=abc`,
      `${prod}?sendTimeoutMillis=-1`,
      `${prod}?messageRoutingMode=Bogus`,
      `${prod}?compressionType=GZIP`,
      `${prod}?hashingScheme=Nope`,
      `${prod}?producerName=%20`,
      `${prod}?initialSequenceId=x`,
      `${prod}?batchingEnabled=true&batchingMaxMessages=abc`,
      `${prod}?batchingEnabled=true&batchingMaxPublishDelay=0`,
      `${cons}/sub?subscriptionType=Bogus`,
      `${cons}/sub?subscriptionMode=Bogus`,
      `${cons}/sub?subscriptionInitialPosition=Bogus`,
      `${cons}/sub?receiverQueueSize=abc`,
      `${cons}/sub?receiverQueueSize=-1`,
      `${cons}/sub?ackTimeoutMillis=500`,
      `${cons}/sub?deadLetterTopic=dlq`,
      `${cons}/sub?maxRedeliverCount=0`,
      `${cons}/sub?priorityLevel=-1`,
      `${cons}/sub?negativeAckRedeliveryDelay=-1`,
      `${cons}/sub?consumerName=%20`,
      `${cons}/`,
      `/ws/v2/reader/persistent/public/default/${t}?messageId=AAAA`,
    ];
    for (const c of cases) {
      const [j, g] = [await upgradeStatus(java + c), await upgradeStatus(gw.url + c)];
      assert.equal(g, j, `${c}: java ${j}, gateway ${g}`);
    }
  });

  it('answers 409 for a taken producer name and a busy exclusive subscription on both', async () => {
    for (const base of [java, gw.url]) {
      const t = uniqueName('diff-409');
      const p1 = await openWs(
        `${base}/ws/v2/producer/persistent/public/default/${t}?producerName=p1`,
      );
      const c1 = await openWs(`${base}/ws/v2/consumer/persistent/public/default/${t}/sub`);
      try {
        assert.equal(
          await upgradeStatus(
            `${base}/ws/v2/producer/persistent/public/default/${t}?producerName=p1`,
          ),
          409,
        );
        assert.equal(
          await upgradeStatus(`${base}/ws/v2/consumer/persistent/public/default/${t}/sub`),
          409,
        );
      } finally {
        await closeWs(p1);
        await closeWs(c1);
      }
    }
  });

  it('acks, errors and pushed messages have the same shape; pushed messages are identical', async () => {
    const t = uniqueName('diff-shape');
    const path = `persistent/public/default/${t}`;
    const cj = await openWs(`${java}/ws/v2/consumer/${path}/sub-java`);
    const qj = new WsQueue(cj);
    const cg = await openWs(`${gw.url}/ws/v2/consumer/${path}/sub-gw`);
    const qg = new WsQueue(cg);
    const pj = await openWs(`${java}/ws/v2/producer/${path}`);
    const pg = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    try {
      const frames = [
        JSON.stringify({
          payload: b64('a'),
          context: 'c1',
          key: 'k',
          properties: { p: '1', n: 2 },
        }),
        JSON.stringify({ payload: b64('b'), eventTime: '2024-06-19T07:13:57.120Z' }),
        JSON.stringify({ payload: 'aGk=', context: 42 }),
        'not json',
        JSON.stringify({ payload: 'a b', context: 'bad64' }),
        JSON.stringify({ context: 'nopayload' }),
        JSON.stringify({ payload: b64('x'), eventTime: 'yesterday', context: 'badtime' }),
      ];
      const acksJ: Record<string, unknown>[] = [];
      const acksG: Record<string, unknown>[] = [];
      for (const f of frames) {
        pj.send(f);
        acksJ.push(await nextJson(pj));
        pg.send(f);
        acksG.push(await nextJson(pg));
      }
      for (let i = 0; i < frames.length; i++) {
        const [j, g] = [acksJ[i]!, acksG[i]!];
        assert.deepEqual(
          shape(g),
          shape(j),
          `frame ${i}: ${JSON.stringify(j)} vs ${JSON.stringify(g)}`,
        );
        assert.equal(g['result'], j['result']);
        assert.equal(g['context'], j['context']);
        if (typeof j['messageId'] === 'string') {
          const [dj, dg] = [
            decodeMessageIdBase64(j['messageId']),
            decodeMessageIdBase64(String(g['messageId'])),
          ];
          assert.equal(dg.partition, dj.partition);
          assert.equal(dg.batchIndex, dj.batchIndex);
          assert.equal(
            Buffer.from(String(g['messageId']), 'base64').length,
            Buffer.from(j['messageId'], 'base64').length,
          );
        }
      }
      // Three successful publishes on each producer: six messages, the same on both consumers.
      for (let i = 0; i < 6; i++) {
        const [mj, mg] = [await qj.next(), await qg.next()];
        assert.deepEqual(mg, mj);
      }
    } finally {
      for (const ws of [pj, pg, cj, cg]) await closeWs(ws);
    }
  });

  it('an id produced through one is acknowledged through the other (cache miss, decoded bytes)', async () => {
    for (const [producerBase, consumerBase] of [
      [gw.url, java],
      [java, gw.url],
    ] as const) {
      const t = uniqueName('diff-ack');
      const path = `persistent/public/default/${t}`;
      // Pull mode: nothing is delivered, so the ack is by the producer's id, never a pushed one.
      const c = await openWs(`${consumerBase}/ws/v2/consumer/${path}/sub?pullMode=true`);
      const p = await openWs(`${producerBase}/ws/v2/producer/${path}`);
      try {
        p.send(JSON.stringify({ payload: b64('ack me') }));
        const ack = await nextJson(p);
        assert.equal(ack['result'], 'ok');
        await eventually(async () => {
          assert.equal(await backlog(t, 'sub'), 1);
        });
        c.send(JSON.stringify({ messageId: ack['messageId'] }));
        await eventually(async () => {
          assert.equal(await backlog(t, 'sub'), 0);
        });
      } finally {
        await closeWs(p);
        await closeWs(c);
      }
    }
  });

  it('readers from earliest, latest and an id see the same messages', async () => {
    const t = uniqueName('diff-reader');
    const path = `persistent/public/default/${t}`;
    const p = await openWs(`${java}/ws/v2/producer/${path}`);
    const ids: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        p.send(JSON.stringify({ payload: b64(`r${i}`) }));
        ids.push(String((await nextJson(p))['messageId']));
      }
      const read = async (base: string, query: string, n: number): Promise<unknown[]> => {
        const { ws: r, queue: q } = await openWithQueue(`${base}/ws/v2/reader/${path}?${query}`);
        try {
          const out: unknown[] = [];
          for (let i = 0; i < n; i++) {
            const m = await q.next().catch((err: unknown) => {
              throw new Error(
                `${base === java ? 'java' : 'gateway'} reader ${query}: message ${i}`,
                {
                  cause: err,
                },
              );
            });
            out.push(m);
            r.send(JSON.stringify({ messageId: m['messageId'] }));
          }
          await assert.rejects(q.next(300));
          return out;
        } finally {
          await closeWs(r);
        }
      };
      const startId = encodeURIComponent(ids[0]!);
      for (const [query, n] of [
        ['messageId=earliest', 3],
        [`messageId=${startId}`, 2],
        ['messageId=latest', 0],
      ] as const) {
        assert.deepEqual(await read(gw.url, query, n), await read(java, query, n), query);
      }
    } finally {
      await closeWs(p);
    }
  });

  it('answers isEndOfTopic the same way', async () => {
    const t = uniqueName('diff-eot');
    const answers: unknown[] = [];
    for (const base of [java, gw.url]) {
      const c: WebSocket = await openWs(
        `${base}/ws/v2/consumer/persistent/public/default/${t}/s-${answers.length}`,
      );
      c.send(JSON.stringify({ type: 'isEndOfTopic' }));
      answers.push(await nextJson(c));
      await closeWs(c);
    }
    assert.deepEqual(answers[1], answers[0]);
  });

  it('pull mode: two permit 0 while a receive is pending deliver two messages on both', async () => {
    const t = uniqueName('diff-pull');
    const path = `persistent/public/default/${t}`;
    const sides: { name: string; ws: WebSocket; queue: WsQueue; got: unknown[] }[] = [];
    for (const [name, base] of [
      ['java', java],
      ['gateway', gw.url],
    ] as const) {
      const { ws, queue } = await openWithQueue(
        `${base}/ws/v2/consumer/${path}/s-${name}?pullMode=true`,
      );
      // Nothing is published yet, so each permit 0 finds a receive to start or already pending.
      ws.send(JSON.stringify({ type: 'permit', permitMessages: 0 }));
      ws.send(JSON.stringify({ type: 'permit', permitMessages: 0 }));
      sides.push({ name, ws, queue, got: [] });
    }
    const p = await openWs(`${gw.url}/ws/v2/producer/${path}`);
    try {
      for (let i = 0; i < 6; i++) {
        p.send(JSON.stringify({ payload: b64(`m${i}`) }));
        assert.equal((await nextJson(p))['result'], 'ok');
      }
      /** Takes `n` messages, then checks that no further one comes within a quiet period. */
      const take = async (side: (typeof sides)[number], n: number): Promise<void> => {
        for (let i = 0; i < n; i++) side.got.push((await side.queue.next(30_000))['payload']);
        await assert.rejects(side.queue.next(3_000), /no message/, `${side.name}: one too many`);
      };
      for (const side of sides) await take(side, 2);
      // pending is 2 now: a permit of 3 leaves credit for one more.
      for (const side of sides) side.ws.send(JSON.stringify({ type: 'permit', permitMessages: 3 }));
      for (const side of sides) await take(side, 1);
      const [ref, ours] = sides;
      assert.deepEqual(ours?.got, ref?.got);
      assert.deepEqual(ref?.got, [b64('m0'), b64('m1'), b64('m2')]);
    } finally {
      await closeWs(p);
      for (const side of sides) await closeWs(side.ws);
    }
  });
});
