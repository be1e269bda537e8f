import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext, SecurityAuthentication } from '@kubernetes/client-node';
import { pooledDispatcher } from '../../../../src/operator/kube/pooled-dispatcher.ts';

/** A dispatcher stand-in that records whether it was closed. */
class FakeAgent {
  closed = false;
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** client-node's behaviour being worked around: a new agent on every call. */
function freshAgentEachCall(): { auth: SecurityAuthentication; made: FakeAgent[] } {
  const made: FakeAgent[] = [];
  return {
    made,
    auth: {
      getName: () => 'fake',
      applySecurityAuthentication(ctx: RequestContext): Promise<void> {
        const a = new FakeAgent();
        made.push(a);
        ctx.setDispatcher(a as never);
        ctx.setHeaderParam('Authorization', `Bearer t${String(made.length)}`);
        return Promise.resolve();
      },
    },
  };
}

function context(): RequestContext & { sent: Record<string, string> } {
  let dispatcher: unknown;
  const sent: Record<string, string> = {};
  return {
    sent,
    setDispatcher: (d: unknown) => {
      dispatcher = d;
    },
    getDispatcher: () => dispatcher,
    setHeaderParam: (k: string, v: string) => {
      sent[k] = v;
    },
  } as unknown as RequestContext & { sent: Record<string, string> };
}

describe('pooledDispatcher', () => {
  it('reuses the first agent, closes the unused ones, keeps per-request headers', async () => {
    const { auth, made } = freshAgentEachCall();
    let t = 0;
    const pooled = pooledDispatcher(auth, { maxAgeMs: 1000, now: () => t });
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const ctx = context();
      await pooled.applySecurityAuthentication(ctx);
      seen.push(ctx.getDispatcher());
      assert.equal(ctx.sent['Authorization'], `Bearer t${String(i + 1)}`);
      t += 100;
    }
    assert.deepEqual(seen, [made[0], made[0], made[0]]);
    assert.equal(made[0]?.closed, false);
    assert.equal(made[1]?.closed, true);
    assert.equal(made[2]?.closed, true);
  });

  it('replaces the pool after maxAgeMs and closes the old one', async () => {
    const { auth, made } = freshAgentEachCall();
    let t = 0;
    const pooled = pooledDispatcher(auth, { maxAgeMs: 1000, now: () => t });
    await pooled.applySecurityAuthentication(context());
    t = 1000;
    const ctx = context();
    await pooled.applySecurityAuthentication(ctx);
    assert.equal(ctx.getDispatcher(), made[1]);
    assert.equal(made[0]?.closed, true);
    assert.equal(made[1]?.closed, false);
  });

  it('leaves requests without a dispatcher (plain HTTP, no TLS options) alone', async () => {
    const pooled = pooledDispatcher({
      getName: () => 'none',
      applySecurityAuthentication: () => Promise.resolve(),
    });
    const ctx = context();
    await pooled.applySecurityAuthentication(ctx);
    assert.equal(ctx.getDispatcher(), undefined);
    assert.equal(pooled.getName(), 'none');
  });
});
