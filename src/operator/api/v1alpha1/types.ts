/**
 * Types of the PulsarWebSocketGateway resource (pulsarws.io/v1alpha1).
 *
 * Everything here comes from `types.generated.ts`, which `scripts/gen-crd-types.ts` writes from
 * the CRD in `crds/` (the single source of truth); edit the CRD, never the generated file.
 * `…Defaulted` twins are the same shapes after schema defaulting (see `defaults.ts`), which is
 * what builders consume.
 */
export type * from './types.generated.ts';
export {
  CRD_API_VERSION,
  CRD_DEFAULTS,
  CRD_GROUP,
  CRD_KIND,
  CRD_PLURAL,
  CRD_VERSION,
} from './types.generated.ts';
