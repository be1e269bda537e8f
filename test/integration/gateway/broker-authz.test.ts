/**
 * Authorization stays with the broker (issue 4, Security): a private standalone broker with token
 * authentication and authorization on. Through our gateway (passthrough, and jwt with the
 * client's token), a role with permission on the namespace gets through; a role without gets 403.
 * In `originalPrincipal` mode the gateway connects with its own proxy-role token and forwards
 * the verified principal: producers, consumers and readers of a permitted principal get
 * through, others get 403, and a gateway whose own role is not a proxy role cannot forward.
 * The broker also listens with TLS; one gateway reaches it over `pulsar+ssl://` with hostname
 * verification against the broker's certificate (TLS to the broker, issue 4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { PulsarStandalone } from '../../../scripts/dev/pulsar-standalone.ts';
import { makeSelfSignedCert } from '../../helpers/gateway-certs.ts';
import { uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs, upgradeStatus } from '../../helpers/ws-client.ts';
import { openWithQueue, startGateway } from '../../helpers/gateway.ts';
import type { TestGateway } from '../../helpers/gateway.ts';

const secret = randomBytes(32);
const sign = (sub: string): Promise<string> =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).sign(secret);

describe('broker authorization through the gateway', () => {
  let broker: PulsarStandalone;
  let dir: string;
  const gateways: TestGateway[] = [];
  /** originalPrincipal mode: [0] connects as the proxy role, [1] as a role that is not one. */
  const forwarding: TestGateway[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gw-authz-'));
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, secret);
    // RSA: the broker's TLS stack reads PKCS#8 RSA keys without extra providers.
    const brokerCert = makeSelfSignedCert(dir, 'broker', { san: 'IP:127.0.0.1', keyType: 'rsa' });
    broker = await PulsarStandalone.start({
      name: `gw-authz-${process.pid}`,
      tls: {
        certificateFilePath: brokerCert.cert,
        keyFilePath: brokerCert.key,
        trustCertsFilePath: brokerCert.cert,
      },
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
        // The gateway's own role in originalPrincipal mode; it is not a super-user.
        proxyRoles: 'gwproxy',
        brokerClientAuthenticationPlugin: 'org.apache.pulsar.client.impl.auth.AuthenticationToken',
        brokerClientAuthenticationParameters: `token:${await sign('admin')}`,
      },
    });
    // The broker checks both the proxy role and the forwarded principal, so the proxy role
    // needs the permission too; bob lacks it either way.
    for (const role of ['alice', 'gwproxy', 'carol']) {
      const res = await fetch(
        `${broker.endpoints.adminUrl}/admin/v2/namespaces/public/default/permissions/${role}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(['produce', 'consume']),
        },
      );
      assert.ok(res.ok, `grant ${role}: HTTP ${res.status}`);
    }
    const tlsUrl = broker.endpoints.serviceUrlTls;
    assert.ok(tlsUrl !== undefined);
    for (const flags of [
      ['--auth.mode=passthrough'],
      // Last in the list, so it overrides the plain serviceUrl given first.
      [
        '--auth.mode=passthrough',
        `--pulsar.serviceUrl=${tlsUrl}`,
        `--pulsar.tls.trustCertsFile=${brokerCert.cert}`,
      ],
      ['--auth.mode=jwt', `--auth.jwt.keyFile=${keyFile}`, '--auth.jwt.algorithm=HS256'],
    ]) {
      gateways.push(
        await startGateway([`--pulsar.serviceUrl=${broker.endpoints.serviceUrl}`, ...flags]),
      );
    }
    for (const role of ['gwproxy', 'carol']) {
      const tokenFile = join(dir, `${role}.token`);
      await writeFile(tokenFile, await sign(role));
      forwarding.push(
        await startGateway([
          `--pulsar.serviceUrl=${broker.endpoints.serviceUrl}`,
          `--pulsar.authentication.tokenFile=${tokenFile}`,
          '--auth.mode=jwt',
          `--auth.jwt.keyFile=${keyFile}`,
          '--auth.jwt.algorithm=HS256',
          '--auth.identityForwarding=originalPrincipal',
        ]),
      );
    }
  });
  after(async () => {
    for (const g of [...gateways, ...forwarding]) await g.close();
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
      assert.equal(await upgradeStatus(`${cons}?token=${alice}`), 101);
      assert.equal(await upgradeStatus(`${prod}?token=${bob}`), 403);
      assert.equal(await upgradeStatus(`${cons}?token=${bob}`), 403);
      const read = `${gw.url}/ws/v2/reader/persistent/public/default/${topic}`;
      assert.equal(await upgradeStatus(`${read}?token=${alice}`), 101);
      assert.equal(await upgradeStatus(`${read}?token=${bob}`), 403);
      assert.equal(await upgradeStatus(prod), 401);
    }
  });

  it('originalPrincipal mode: the proxy role connects, the forwarded principal is authorized', async () => {
    const [alice, bob] = [await sign('alice'), await sign('bob')];
    const [gw, notProxy] = forwarding as [TestGateway, TestGateway];
    const topic = uniqueName('authz-fwd');
    const base = `${gw.url}/ws/v2`;
    const path = `persistent/public/default/${topic}`;
    // alice: consumer first (latest), then a producer, then a reader from the earliest message.
    const cons = await openWithQueue(`${base}/consumer/${path}/sub?token=${alice}`);
    const prod = await openWs(`${base}/producer/${path}?token=${alice}`);
    prod.send(JSON.stringify({ payload: 'aGk=', context: 'c1' }));
    const ack = await nextJson(prod);
    assert.equal(ack['result'], 'ok');
    const pushed = await cons.queue.next();
    assert.equal(pushed['payload'], 'aGk=');
    assert.equal(pushed['messageId'], ack['messageId']);
    cons.ws.send(JSON.stringify({ messageId: pushed['messageId'] }));
    const reader = await openWithQueue(`${base}/reader/${path}?messageId=earliest&token=${alice}`);
    assert.equal((await reader.queue.next())['messageId'], ack['messageId']);
    for (const ws of [cons.ws, prod, reader.ws]) await closeWs(ws);
    // bob is authenticated (valid token) but has no permission: 403 on every endpoint, although
    // the gateway's own role has it.
    assert.equal(await upgradeStatus(`${base}/producer/${path}?token=${bob}`), 403);
    assert.equal(await upgradeStatus(`${base}/consumer/${path}/sub-bob?token=${bob}`), 403);
    assert.equal(await upgradeStatus(`${base}/reader/${path}?token=${bob}`), 403);
    // The v3 multi-topic consumer forwards the principal too.
    const v3 = `${gw.url}/ws/v3/consumer/sub-v3?topics=${topic}`;
    assert.equal(await upgradeStatus(`${v3}&token=${alice}`), 101);
    assert.equal(await upgradeStatus(`${v3}&token=${bob}`), 403);
    // The broker accepts a forwarded principal only from a proxy role: a gateway connecting as
    // carol (permitted, but not a proxy role) cannot attach alice.
    const nb = `${notProxy.url}/ws/v2`;
    for (const url of [
      `${nb}/producer/${path}?token=${alice}`,
      `${nb}/consumer/${path}/sub?token=${alice}`,
      `${nb}/reader/${path}?token=${alice}`,
    ]) {
      // The broker refuses the CONNECT ("Invalid combination of role and originalPrincipal").
      assert.equal(await upgradeStatus(url), 403, url.split('?')[0]);
    }
  });
});
