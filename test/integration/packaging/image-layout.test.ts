/**
 * The image without a Docker engine: bundles the commands as the Dockerfile's build stage does
 * (`npm run build`: scripts/bundle-commands.ts, into a fresh temporary build tree, so parallel
 * runs never race on dist/), lays out the runtime stage by following its COPY and `ln -s`
 * instructions (package.json and dist/bin/ in /app, the command links in /usr/local/bin) under a
 * temporary root with NO node_modules anywhere in it or above it, and runs both commands by name
 * as Kubernetes runs `command: ['pulsar-ws-gateway']`: `--help`, a bad flag, then for real — the
 * gateway against the suite's Pulsar broker (one message produced and consumed over WebSocket)
 * and the operator against the suite's API server (a gateway reconciled into an owned
 * Deployment, status observedGeneration written).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import { bundleCommands } from '../../../scripts/bundle-commands.ts';
import { childNames } from '../../../src/operator/resources/names.ts';
import { copySteps, finalWorkdir, parseDockerfile, stageNamed } from '../../helpers/dockerfile.ts';
import { eventually } from '../../helpers/eventually.ts';
import { openWithQueue } from '../../helpers/gateway.ts';
import { installGatewayCrd } from '../../helpers/install-crd.ts';
import { gatewayManifest, readGateway, testClient } from '../../helpers/operator-harness.ts';
import { kubeConfig, kubeconfigPath, pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { closeWs } from '../../helpers/ws-client.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};
const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.stages.at(-1)!;
const build = stageNamed(dockerfile, 'build');
const APP = finalWorkdir(runtime);
/** A version only the layout's package.json carries: proves the operator reads that file. */
const LAYOUT_VERSION = `${pkg.version}-layout-test`;

let work: string;
/** The image's root file system, as far as the commands need it. */
let rootfs: string;
const children = new Set<ChildProcess>();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pwo-image-'));
  // RUN npm run build, in the build stage's WORKDIR of a build tree of its own.
  const buildfs = join(work, 'buildfs');
  const bundled = await bundleCommands(join(buildfs, finalWorkdir(build), 'dist/bin'));
  assert.equal(bundled.length, Object.keys(pkg.bin).length);
  rootfs = join(work, 'rootfs');
  mkdirSync(join(rootfs, APP), { recursive: true });
  for (const step of copySteps(dockerfile).filter((s) => s.stage === runtime)) {
    if (step.from === build.name) {
      // COPY --from=build <dir> <dest>
      for (const source of step.sources) {
        cpSync(join(buildfs, source), join(rootfs, step.dest), { recursive: true });
      }
    } else if (step.from === undefined && step.sources.join() === 'package.json') {
      // COPY package.json ./ — with a version of its own.
      const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as object;
      writeFileSync(
        join(rootfs, step.dest, 'package.json'),
        JSON.stringify({ ...manifest, version: LAYOUT_VERSION }),
      );
    } else {
      assert.fail(`line ${String(step.line)}: a COPY this test does not lay out`);
    }
  }
  // RUN ["ln", "-s", <target>, <link>]
  for (const ins of runtime.instructions) {
    const e = ins.exec;
    if (ins.keyword !== 'RUN' || e?.[0] !== 'ln') continue;
    mkdirSync(join(rootfs, posix.dirname(e[3]!)), { recursive: true });
    symlinkSync(join(rootfs, e[2]!), join(rootfs, e[3]!));
  }
  mkdirSync(join(rootfs, 'tmp'));
});

after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** The environment of a container: the layout's PATH (plus this Node.js), no NODE_PATH. */
function containerEnv(): NodeJS.ProcessEnv {
  return {
    PATH: `${join(rootfs, 'usr/local/bin')}:${dirname(process.execPath)}`,
    HOME: join(rootfs, 'tmp'),
    NODE_ENV: 'production',
  };
}

/** Runs `command` by name on the layout's PATH until it exits. */
async function runCommand(
  command: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(command, args, {
      env: containerEnv(),
      cwd: '/',
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A long-running command started by name; its JSON log lines are collected. */
interface Running {
  child: ChildProcess;
  /** Resolves with the first log line whose `msg` is `msg`. */
  logLine(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  output(): string;
}

/** A port free right now on 127.0.0.1 (the gateway's flags take no port 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function startCommand(command: string, args: string[]): Running {
  const child = spawn(command, args, {
    env: containerEnv(),
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const lines: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      try {
        lines.push(JSON.parse(p) as Record<string, unknown>);
      } catch {
        // Not a log line.
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return {
    child,
    logLine: (msg, timeoutMs = 60_000) =>
      Promise.race([
        eventually(
          () => {
            const line = lines.find((l) => l['msg'] === msg);
            assert.ok(line, `no "${msg}" log line yet`);
            return line;
          },
          timeoutMs,
          100,
        ),
        exited.then((code) => assert.fail(`${command} exited (${String(code)}):\n${out}`)),
      ]),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    output: () => out,
  };
}

describe('image layout', () => {
  it('has no node_modules in the layout or above it: nothing outside the bundles resolves', () => {
    for (let dir = join(rootfs, APP); ; dir = dirname(dir)) {
      assert.equal(existsSync(join(dir, 'node_modules')), false, `${dir}/node_modules exists`);
      if (dir === dirname(dir)) break;
    }
    const requireFromApp = createRequire(join(rootfs, APP, 'dist/bin/x.js'));
    for (const dep of ['ws', 'pino', '@kubernetes/client-node']) {
      assert.throws(() => requireFromApp.resolve(dep), { code: 'MODULE_NOT_FOUND' }, dep);
    }
  });

  it('the build writes every file the runtime stage links as a command, executable', () => {
    for (const target of Object.values(pkg.bin)) {
      const file = join(rootfs, APP, target);
      assert.ok(existsSync(file), `${target} missing after the build`);
      assert.match(readFileSync(file, 'utf8'), /^#!\/usr\/bin\/env (?:-S )?node[ a-z-]*\n/);
      assert.equal(statSync(file).mode & 0o111, 0o111, `${target} is not executable`);
    }
  });

  it('pulsar-ws-gateway starts from its bundle by name and prints its usage', async () => {
    const r = await runCommand('pulsar-ws-gateway', ['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: pulsar-ws-gateway /);
  });

  it('pulsar-ws-operator starts from its bundle by name, prints its usage and the image version', async () => {
    const r = await runCommand('pulsar-ws-operator', ['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: pulsar-ws-operator /);
    // The default gateway image tag comes from /app/package.json (two levels above dist/bin/).
    assert.ok(r.stdout.includes(`:${LAYOUT_VERSION})`), r.stdout);
  });

  it('the ENTRYPOINT command is one of them', async () => {
    const entry = runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.exec;
    assert.ok(entry);
    const r = await runCommand(entry[0]!, [...entry.slice(1), '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Usage: ${entry[0]!} `));
  });

  it('a bad flag exits non-zero with a message naming it, not a stack trace', async () => {
    for (const command of Object.keys(pkg.bin)) {
      const r = await runCommand(command, ['--no-such-flag', 'x']);
      assert.notEqual(r.code, 0, command);
      assert.match(r.stderr, /no-such-flag/, command);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${command}: stack trace`);
    }
  });

  it('the bundled gateway produces and consumes through the real broker', async () => {
    const gateway = startCommand('pulsar-ws-gateway', [
      `--pulsar.serviceUrl=${pulsarEnv().serviceUrl}`,
      '--server.bindAddress=127.0.0.1',
      `--server.port=${String(await freePort())}`,
      `--metrics.port=${String(await freePort())}`,
    ]);
    try {
      const listening = await gateway.logLine('gateway listening');
      const base = `ws://127.0.0.1:${String(listening['port'])}/ws/v2`;
      const topic = `persistent/public/default/${uniqueName('image-layout')}`;
      const consumer = await openWithQueue(`${base}/consumer/${topic}/sub`);
      const producer = await openWithQueue(`${base}/producer/${topic}`);
      const payload = Buffer.from('from the bundle').toString('base64');
      producer.ws.send(JSON.stringify({ payload, context: 'c1' }));
      const ack = await producer.queue.next(30_000);
      assert.equal(ack['result'], 'ok', JSON.stringify(ack));
      assert.equal(ack['context'], 'c1');
      const msg = await consumer.queue.next(30_000);
      assert.equal(msg['payload'], payload);
      assert.equal(msg['messageId'], ack['messageId']);
      consumer.ws.send(JSON.stringify({ messageId: msg['messageId'] }));
      await closeWs(producer.ws);
      await closeWs(consumer.ws);
    } finally {
      const code = await gateway.stop();
      assert.equal(code, 0, `graceful exit on SIGTERM:\n${gateway.output()}`);
    }
  });

  it('the bundled operator reconciles a gateway on the real API server', async () => {
    const kc = kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const client = testClient(kc);
    const namespace = uniqueName('image-layout');
    await installGatewayCrd(kc);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const operator = startCommand('pulsar-ws-operator', [
      `--kubeconfig=${kubeconfigPath()}`,
      `--namespaces=${namespace}`,
      '--bind-address=127.0.0.1',
      '--metrics-port=0',
      '--health-port=0',
      '--leader-elect=false',
    ]);
    try {
      await client.apply(gatewayManifest(namespace, 'gw'));
      const gw = await readGateway(client, namespace, 'gw');
      const deployment = await eventually(async () => {
        const d = await client.get<V1Deployment>(
          'apps/v1',
          'Deployment',
          namespace,
          childNames('gw').deployment,
        );
        assert.ok(d, `no Deployment yet:\n${operator.output()}`);
        return d;
      }, 90_000);
      const owner = deployment.metadata?.ownerReferences?.find((o) => o.controller === true);
      assert.equal(owner?.uid, gw.metadata.uid);
      assert.equal(owner?.kind, 'PulsarWebSocketGateway');
      // Started by name, the bundle's #! line gives Node --optimize-for-size (not possible
      // through NODE_OPTIONS); /proc shows the argv env handed to node.
      const argv = readFileSync(`/proc/${String(operator.child.pid)}/cmdline`, 'utf8').split('\0');
      assert.ok(argv.includes('--optimize-for-size'), argv.join(' '));
      // The image the operator defaults to is tagged with the layout's package.json version.
      assert.match(
        deployment.spec?.template.spec?.containers[0]?.image ?? '',
        new RegExp(`:${LAYOUT_VERSION.replace(/[.-]/g, '\\$&')}$`),
      );
      await eventually(async () => {
        const now = await readGateway(client, namespace, 'gw');
        assert.equal(now.status?.observedGeneration, now.metadata.generation);
      }, 90_000);
    } finally {
      const code = await operator.stop();
      await core.deleteNamespace({ name: namespace });
      assert.equal(code, 0, `graceful exit on SIGTERM:\n${operator.output()}`);
    }
  });
});
