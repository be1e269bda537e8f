/**
 * `node scripts/dev/node-agent/cli.ts --kubeconfig <file>`: runs the local node agent until
 * SIGINT/SIGTERM (see node-agent.ts). Flags:
 *
 *   --kubeconfig <file>     admin kubeconfig of the control plane (required; or KUBECONFIG)
 *   --node-name <name>      Node to register (default local-node)
 *   --pod-cidr <cidr>       loopback range of pod IPs (default 127.0.1.0/24)
 *   --service-cidr <cidr>   loopback range of Service proxy addresses (default 127.0.2.0/24)
 *   --state-dir <dir>       volumes and container logs (default $PWO_CACHE_DIR/run/node-agent)
 *   --from dist|src         run the project image from its bundles in dist/bin/ (default;
 *                           `npm run build`) or from src/
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { COMMANDS } from '../../bundle-commands.ts';
import { REPO_ROOT, runDir } from '../paths.ts';
import { progress } from '../progress.ts';
import { NodeAgent } from './node-agent.ts';
import { projectImageRules } from './local-images.ts';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    'node-name': { type: 'string' },
    'pod-cidr': { type: 'string' },
    'service-cidr': { type: 'string' },
    'state-dir': { type: 'string' },
    from: { type: 'string', default: 'dist' },
    help: { type: 'boolean' },
  },
});
if (values.help === true) {
  process.stdout.write(
    'Usage: node scripts/dev/node-agent/cli.ts --kubeconfig <file> [--node-name n] [--pod-cidr c] [--service-cidr c] [--state-dir d] [--from dist|src]\n',
  );
  process.exit(0);
}
const kubeconfig = values.kubeconfig ?? process.env['KUBECONFIG'];
if (kubeconfig === undefined || (values.from !== 'dist' && values.from !== 'src')) {
  process.stderr.write('node-agent: --kubeconfig <file> is required; --from is dist or src\n');
  process.exit(2);
}
if (values.from === 'dist') {
  const missing = Object.keys(COMMANDS).filter(
    (c) => !existsSync(path.join(REPO_ROOT, 'dist/bin', `${c}.js`)),
  );
  if (missing.length > 0) {
    process.stderr.write(
      `node-agent: no bundle for ${missing.join(', ')} in dist/bin; run npm run build (or --from src)\n`,
    );
    process.exit(2);
  }
}
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const agent = new NodeAgent({
  kubeConfig: kc,
  ...(values['node-name'] !== undefined ? { nodeName: values['node-name'] } : {}),
  ...(values['pod-cidr'] !== undefined ? { podCidr: values['pod-cidr'] } : {}),
  ...(values['service-cidr'] !== undefined ? { serviceCidr: values['service-cidr'] } : {}),
  images: projectImageRules(REPO_ROOT, values.from),
  stateDir: values['state-dir'] ?? path.join(runDir('node-agent'), 'state'),
  log: (msg, fields) => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...fields })}\n`);
  },
});
await agent.start();
progress('node-agent', `node ${agent.nodeName} ready`);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  agent.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`node-agent: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
