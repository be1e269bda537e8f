import path from 'node:path';
import type { ImageRule } from './image-map.ts';

/** The repository of the project's image (the Dockerfile's build of this checkout). */
export const PROJECT_IMAGE_REPOSITORY =
  'ghcr.io/pulsar-websocket-operator/pulsar-websocket-operator';

/**
 * The project's image mapped to this checkout: `pulsar-ws-gateway` and `pulsar-ws-operator` run
 * with this Node.js from `dist/` (what the image runs; build with `npm run build`) or straight
 * from `src/` (type stripping; no build step, for tests on a fresh clone). The gateway is told
 * to listen on its pod IP through its ordinary configuration (`PULSAR_WS_GATEWAY_SERVER_BIND_ADDRESS`),
 * which is the only difference from the container.
 */
export function projectImageRules(repoRoot: string, from: 'dist' | 'src'): ImageRule[] {
  const ext = from === 'dist' ? 'js' : 'ts';
  const entry = (area: string): string[] => [
    process.execPath,
    path.join(repoRoot, from, area, `main.${ext}`),
  ];
  return [
    {
      repository: PROJECT_IMAGE_REPOSITORY,
      commands: {
        'pulsar-ws-gateway': entry('gateway'),
        'pulsar-ws-operator': entry('operator'),
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
