/** Value sets the chart tests render, lint and dry-run (shared by both chart test files). */
export const VALUE_SETS: Record<string, object> = {
  defaults: {},
  namespaced: { watchNamespaces: ['team-a', 'team-b', 'team-a'] },
  monitored: {
    metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
    leaderElection: { leaseName: 'my-lease' },
    image: { digest: `sha256:${'ab'.repeat(32)}` },
    podDisruptionBudget: { enabled: true },
    rbac: { aggregateToDefaultRoles: true },
  },
  observability: {
    grafanaDashboards: { enabled: true },
    prometheusRule: { enabled: true },
    metrics: { serviceMonitor: { enabled: true } },
  },
  single: { replicaCount: 1, leaderElection: { enabled: false }, logLevel: 'debug' },
};
