/**
 * Authorization stays with the broker (issue 4, Security): a private standalone broker with token
 * authentication and authorization on. Through our gateway (passthrough, and jwt with the
 * client's token), a role with permission on the namespace gets through; a role without gets 403.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { PulsarStandalone } from '../../../scripts/dev/pulsar-standalone.ts';
import { uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs } from '../../helpers/ws-client.ts';
import { startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

const secret = randomBytes(32);
const sign = (sub: string): Promise<string> =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).sign(secret);

async function status(url: string): Promise<number> {
  try {
    await closeWs(await openWs(url));
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? 0;
  }
}

describe('broker authorization through the gateway', () => {
  let broker: PulsarStandalone;
  let dir: string;
  const gateways: TestGateway[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-authz-'));
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, secret);
    broker = await PulsarStandalone.start({
      name: `gw-authz-${process.pid}`,
      config: {
        authenticationEnabled: 'true',
        authorizationEnabled: 'true',
        authenticationProviders:
          'org.apache.pulsar.broker.authentication.AuthenticationProviderToken',
        tokenSecretKey: `data:;base64,${secret.toString('base64')}`,
        // Anonymous HTTP (the harness's readiness check, the admin calls below) is a super-user
        // here; every WebSocket client below presents a token, so this does not weaken the test.
        anonymousUserRole: 'anon',
        superUserRoles: 'admin,anon',
        brokerClientAuthenticationPlugin: 'org.apache.pulsar.client.impl.auth.AuthenticationToken',
        brokerClientAuthenticationParameters: `token:${await sign('admin')}`,
      },
    });
    const res = await fetch(
      `${broker.endpoints.adminUrl}/admin/v2/namespaces/public/default/permissions/alice`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(['produce', 'consume']),
      },
    );
    assert.ok(res.ok, `grant: HTTP ${res.status}`);
    for (const flags of [
      ['--auth.mode=passthrough'],
      ['--auth.mode=jwt', `--auth.jwt.keyFile=${keyFile}`, '--auth.jwt.algorithm=HS256'],
    ]) {
      gateways.push(
        await startGateway([`--pulsar.serviceUrl=${broker.endpoints.serviceUrl}`, ...flags]),
      );
    }
  });
  after(async () => {
    for (const g of gateways) await g.close();
    await broker.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets a permitted role through and answers 403 for a role without permission', async () => {
    const [alice, bob] = [await sign('alice'), await sign('bob')];
    for (const gw of gateways) {
      const topic = uniqueName('authz');
      const prod = `${gw.url}/ws/v2/producer/persistent/public/default/${topic}`;
      const cons = `${gw.url}/ws/v2/consumer/persistent/public/default/${topic}/sub`;
      const p = await openWs(`${prod}?token=${alice}`);
      p.send(JSON.stringify({ payload: 'aGk=' }));
      assert.equal((await nextJson(p))['result'], 'ok');
      await closeWs(p);
      assert.equal(await status(`${cons}?token=${alice}`), 101);
      assert.equal(await status(`${prod}?token=${bob}`), 403);
      assert.equal(await status(`${cons}?token=${bob}`), 403);
      assert.equal(await status(prod), 401);
    }
  });
});
