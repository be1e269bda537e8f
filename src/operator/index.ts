/**
 * Public surface of the operator: the {@link Manager} that runs it, the reconciler and its
 * pure status and prune decisions, and the CLI option parsing of `pulsar-ws-operator`.
 */
export {
  Manager,
  CONTROLLER_NAME,
  DEFAULT_LEASE_NAME,
  type ManagerOptions,
  type ManagerExit,
  type LeaderElectionOptions,
} from './manager.ts';
export {
  GatewayReconciler,
  kindKey,
  type GatewayReconcilerOptions,
  type GatewayCaches,
  type ObjectCache,
} from './reconcilers/gateway-reconciler.ts';
export {
  computeGatewayStatus,
  pausedStatus,
  statusPatch,
  type StatusInputs,
  type BlockingProblem,
  type CertificateState,
} from './reconcilers/gateway-status.ts';
export { selectPrunable, isControlledBy, type PruneTarget } from './reconcilers/prune.ts';
export {
  parseOperatorOptions,
  defaultGatewayImage,
  operatorVersion,
  usage,
  OperatorConfigError,
  OPERATOR_CONFIG_ERROR_CODE,
  type OperatorOptions,
} from './options.ts';
export { main } from './main.ts';
