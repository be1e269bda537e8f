import path from 'node:path';
import { COMMANDS, nodeFlagsOf } from '../../bundle-commands.ts';
import type { ImageRule } from './image-map.ts';

/** The repository of the project's image (the Dockerfile's build of this checkout). */
export const PROJECT_IMAGE_REPOSITORY =
  'ghcr.io/pulsar-websocket-operator/pulsar-websocket-operator';

/**
 * The project's image mapped to this checkout: `pulsar-ws-gateway` and `pulsar-ws-operator` run
 * with this Node.js from their bundles `dist/bin/<command>.js` (what the image runs; build with
 * `npm run build`) or straight from their entry modules in `src/` (type stripping; no build
 * step, for tests on a fresh clone). The gateway is told
 * to listen on its pod IP through its ordinary configuration (`PULSAR_WS_GATEWAY_SERVER_BIND_ADDRESS`),
 * which is the only difference from the container.
 */
export function projectImageRules(repoRoot: string, from: 'dist' | 'src'): ImageRule[] {
  // `node <file>` skips the #! line, so its Node.js flags are passed here.
  const entry = (command: string): string[] => [
    process.execPath,
    ...nodeFlagsOf(command),
    path.join(repoRoot, from === 'dist' ? `dist/bin/${command}.js` : COMMANDS[command]!),
  ];
  return [
    {
      repository: PROJECT_IMAGE_REPOSITORY,
      commands: {
        'pulsar-ws-gateway': entry('pulsar-ws-gateway'),
        'pulsar-ws-operator': entry('pulsar-ws-operator'),
      },
      env: {
        'pulsar-ws-gateway': (podIP) => ({ PULSAR_WS_GATEWAY_SERVER_BIND_ADDRESS: podIP }),
      },
      // The Dockerfile's USER.
      user: { uid: 65532, gid: 65532 },
      hostPaths: [repoRoot, path.dirname(process.execPath)],
    },
  ];
}
