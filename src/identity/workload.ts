// The authenticated caller, as every SVID verifier reports it (DESIGN.md: "workload").

export type SvidMethod = 'x509-svid' | 'jwt-svid';

export interface Workload {
  /** `spiffe://<trustDomain><path>` */
  readonly spiffeId: string;
  readonly trustDomain: string;
  /** never empty: an SVID names a workload, not a trust domain */
  readonly path: string;
  readonly method: SvidMethod;
  /** ms since the epoch after which the SVID no longer proves anything */
  readonly svidExpiresAt: number;
}
