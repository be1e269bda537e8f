export { NodeAgent, NO_MOUNT_NS_ERROR_CODE, type NodeAgentOptions } from './node-agent.ts';
export { PodRunner, type AgentLog } from './pod-runner.ts';
export { ServiceProxy, readyBackends, type Backend } from './service-proxy.ts';
export { projectImageRules, PROJECT_IMAGE_REPOSITORY } from './local-images.ts';
export { resolveCommand, imageRepository, type ImageRule } from './image-map.ts';
export { IpAllocator } from './ip-allocator.ts';
export { KubeRest, KubeRestError } from './kube-rest.ts';
