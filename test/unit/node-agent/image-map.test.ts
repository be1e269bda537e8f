import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  IMAGE_ERROR_CODE,
  imageRepository,
  resolveCommand,
} from '../../../scripts/dev/node-agent/image-map.ts';
import { projectImageRules } from '../../../scripts/dev/node-agent/local-images.ts';
import { runAs } from '../../../scripts/dev/node-agent/run-as.ts';
import { ENV_ERROR_CODE } from '../../../scripts/dev/node-agent/env.ts';
import type { V1Pod } from '@kubernetes/client-node';

const rules = projectImageRules('/repo', 'dist');
const IMAGE = 'ghcr.io/pulsar-websocket-operator/pulsar-websocket-operator';

describe('image map', () => {
  it('strips tags and digests, keeping registry ports', () => {
    assert.equal(imageRepository(`${IMAGE}:0.1.0`), IMAGE);
    assert.equal(imageRepository(`${IMAGE}@sha256:abc`), IMAGE);
    assert.equal(imageRepository('localhost:5000/x/y:1'), 'localhost:5000/x/y');
    assert.equal(imageRepository('localhost:5000/x/y'), 'localhost:5000/x/y');
  });

  it('runs the gateway from this checkout with the pod spec args, listening on the pod IP', () => {
    const r = resolveCommand(
      `${IMAGE}:0.1.0`,
      ['pulsar-ws-gateway'],
      ['--config', '/etc/pulsar-ws-gateway/gateway.yaml'],
      rules,
      '10.250.1.5',
    );
    assert.deepEqual(r.argv, [
      process.execPath,
      '/repo/dist/bin/pulsar-ws-gateway.js',
      '--config',
      '/etc/pulsar-ws-gateway/gateway.yaml',
    ]);
    assert.deepEqual(r.extraEnv, { PULSAR_WS_GATEWAY_SERVER_BIND_ADDRESS: '10.250.1.5' });
  });

  it('runs the operator with no extra environment; src mode uses the TypeScript entry points, dist mode the bundles', () => {
    const r = resolveCommand(
      `${IMAGE}:test`,
      ['pulsar-ws-operator'],
      undefined,
      projectImageRules('/repo', 'src'),
      'x',
    );
    // `node <file>` skips the #! line: its flag (--optimize-for-size) is passed explicitly.
    assert.deepEqual(r.argv, [
      process.execPath,
      '--optimize-for-size',
      '/repo/src/operator/main.ts',
    ]);
    assert.deepEqual(r.extraEnv, {});
    const bundled = resolveCommand(`${IMAGE}:test`, ['pulsar-ws-operator'], [], rules, 'x');
    assert.deepEqual(bundled.argv, [
      process.execPath,
      '--optimize-for-size',
      '/repo/dist/bin/pulsar-ws-operator.js',
    ]);
  });

  it('refuses unknown images, unknown commands and a missing command with a stable code', () => {
    assert.throws(() => resolveCommand('nginx:1', ['nginx'], [], rules, 'x'), {
      code: IMAGE_ERROR_CODE,
    });
    assert.throws(() => resolveCommand(`${IMAGE}:1`, ['sh'], [], rules, 'x'), {
      code: IMAGE_ERROR_CODE,
    });
    assert.throws(() => resolveCommand(`${IMAGE}:1`, undefined, [], rules, 'x'), {
      code: IMAGE_ERROR_CODE,
    });
  });
});

describe('runAs', () => {
  const imageUser = { uid: 65532, gid: 65532 };
  const pod = (sc: object | undefined): V1Pod => ({
    spec: { containers: [], securityContext: sc },
  });

  it('takes the container over the pod over the image user', () => {
    assert.deepEqual(runAs(pod({ runAsUser: 1000, runAsGroup: 1001 }), { name: 'c' }, imageUser), {
      uid: 1000,
      gid: 1001,
    });
    assert.deepEqual(
      runAs(
        pod({ runAsUser: 1000 }),
        { name: 'c', securityContext: { runAsUser: 7, runAsGroup: 8 } },
        undefined,
      ),
      { uid: 7, gid: 8 },
    );
    assert.deepEqual(runAs(pod(undefined), { name: 'c' }, imageUser), imageUser);
    assert.equal(runAs(pod(undefined), { name: 'c' }, undefined), undefined);
  });

  it('refuses runAsNonRoot with a root or unknown user, with a stable code', () => {
    assert.throws(() => runAs(pod({ runAsNonRoot: true }), { name: 'c' }, undefined), {
      code: ENV_ERROR_CODE,
    });
    assert.throws(
      () => runAs(pod({ runAsNonRoot: true, runAsUser: 0 }), { name: 'c' }, imageUser),
      {
        code: ENV_ERROR_CODE,
      },
    );
    assert.deepEqual(runAs(pod({ runAsNonRoot: true }), { name: 'c' }, imageUser), imageUser);
  });
});
