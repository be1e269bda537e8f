import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { ContainerConfigError } from './env.ts';

/** A numeric user and group. */
export interface RunAsUser {
  uid: number;
  gid: number;
}

/**
 * Who the container's program runs as, as the kubelet decides it: the container's
 * securityContext over the pod's, then the image's default user. `runAsNonRoot` with a root
 * (or unknown) user is refused with {@link ContainerConfigError}, as the kubelet refuses to
 * start such a container. Undefined means "as the agent" (root): no user anywhere.
 */
export function runAs(
  pod: V1Pod,
  container: V1Container,
  imageUser: RunAsUser | undefined,
): RunAsUser | undefined {
  const pc = pod.spec?.securityContext;
  const cc = container.securityContext;
  const uid = cc?.runAsUser ?? pc?.runAsUser ?? imageUser?.uid;
  const gid = cc?.runAsGroup ?? pc?.runAsGroup ?? imageUser?.gid ?? 0;
  if ((cc?.runAsNonRoot ?? pc?.runAsNonRoot) === true && (uid === undefined || uid === 0)) {
    throw new ContainerConfigError('container has runAsNonRoot and would run as root');
  }
  return uid === undefined ? undefined : { uid, gid };
}
