import { KubeConfig } from '@kubernetes/client-node';

/** Environment variables through which global setup hands addresses to test files. */
export const ENV_KEYS = {
  pulsarUrl: 'PWO_TEST_PULSAR_URL',
  pulsarAdminUrl: 'PWO_TEST_PULSAR_ADMIN_URL',
  pulsarWsUrl: 'PWO_TEST_PULSAR_WS_URL',
  javaProxyWsUrl: 'PWO_TEST_JAVA_WS_PROXY_URL',
  kubeconfig: 'PWO_TEST_KUBECONFIG',
  kubeServer: 'PWO_TEST_KUBE_SERVER',
} as const;

function required(key: string, what: string): string {
  const value = process.env[key];
  if (value === undefined || value === '') {
    throw new Error(
      `${what} is not running: ${key} is unset. Run integration tests through ` +
        `'npm run test:integration' (or node --test --test-global-setup=test/helpers/global-setup.ts <file>).`,
    );
  }
  return value;
}

/** The real Pulsar standalone shared by the test run. */
export function pulsarEnv(): {
  serviceUrl: string;
  adminUrl: string;
  /** Base `ws://` URL of the Java WebSocket proxy embedded in the broker. */
  wsUrl: string;
  /** Base `ws://` URL of the Java WebSocket proxy running as its own process. */
  javaProxyWsUrl: string;
} {
  return {
    serviceUrl: required(ENV_KEYS.pulsarUrl, 'Pulsar'),
    adminUrl: required(ENV_KEYS.pulsarAdminUrl, 'Pulsar'),
    wsUrl: required(ENV_KEYS.pulsarWsUrl, 'Pulsar'),
    javaProxyWsUrl: required(ENV_KEYS.javaProxyWsUrl, 'The Java WebSocket proxy'),
  };
}

/** A KubeConfig for the real control plane shared by the test run (admin). */
export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(required(ENV_KEYS.kubeconfig, 'The Kubernetes control plane'));
  return kc;
}

/** Path of the admin kubeconfig, for kubectl and helm. */
export function kubeconfigPath(): string {
  return required(ENV_KEYS.kubeconfig, 'The Kubernetes control plane');
}

/** A name unique within the test run, valid as a topic, subscription or DNS-1123 label. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
