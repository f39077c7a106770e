import type { Credential, Lease, ProviderKind } from '../core/index.js';

export interface ProviderLimits {
  /** TTL used when the request names none. */
  readonly defaultTtlMs: number;
  /** Longest TTL one mint or renewal may reach; also the lease's max lifetime from issue. */
  readonly maxTtlMs: number;
  readonly renewable: boolean;
}

export interface MintRequest {
  readonly leaseId: string;
  /** SPIFFE ID of the workload the credential is for. */
  readonly owner: string;
  readonly trustDomain: string;
  readonly taskId: string;
  /** Already resolved by resolveScope. */
  readonly scope: readonly string[];
  readonly issuedAt: number;
  readonly expiresAt: number;
  /**
   * SPIFFE IDs of the workloads that delegated the task, root first; absent or empty for a task
   * opened directly. Providers that can say so in the credential (oauth-jwt: RFC 8693 `act`) do.
   */
  readonly actorChain?: readonly string[];
}

export interface MintResult {
  readonly credential: Credential;
  /** The expiry the provider actually applied; the lease takes it exactly. */
  readonly expiresAt: number;
}

export interface RenewRequest {
  readonly lease: Lease;
  readonly expiresAt: number;
  /** As in MintRequest: a renewed credential says the same as the first. */
  readonly actorChain?: readonly string[];
}

export interface RenewResult {
  /** Set when renewal produces a fresh credential (e.g. a token with the new expiry). */
  readonly credential?: Credential;
  readonly expiresAt: number;
}

export interface RevokeRequest {
  readonly leaseId: string;
  readonly handle: string;
  /**
   * The lease's expiry when the caller knows it. A provider whose credentials cannot be destroyed
   * (an STS session) uses it to bound how long it must remember the revocation.
   */
  readonly expiresAt?: number;
}

/**
 * A fact about one credential that only the provider knows and the audit log must carry: that a
 * revocation had to be widened, or that a token cannot be revoked before it expires. Never a secret.
 */
export interface ProviderNotice {
  readonly provider: string;
  /** The use case the fact belongs to. */
  readonly operation: 'issue' | 'revoke';
  readonly leaseId: string;
  /** Stable and machine-readable, e.g. `revocation_widened`. */
  readonly notice: string;
  /** One sentence for the reader of the audit log. */
  readonly message: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * One configured credential source. Providers only mint, renew and revoke; they never schedule
 * anything (the revocation engine does) and never see the lease store.
 */
export interface CredentialProvider {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly limits: ProviderLimits;

  /** MUST be pure: the handle is derived from the lease id alone, so a crashed pending lease can be revoked. */
  handleFor(leaseId: string): string;

  /**
   * MUST normalise the requested scope and check it against the provider's ceiling without I/O.
   * An empty request yields the provider's default scope. Anything outside the ceiling throws
   * ERR_SCOPE_INVALID naming the offending item.
   */
  resolveScope(requested: readonly string[]): readonly string[];

  /** MUST create the credential or throw (ERR_PROVIDER_UNAVAILABLE when the backend cannot be reached). */
  mint(request: MintRequest): Promise<MintResult>;

  /** MUST extend the credential's validity to request.expiresAt or throw. */
  renew(request: RenewRequest): Promise<RenewResult>;

  /**
   * OPTIONAL: delivers the credential of an active lease again, for a retried request with the
   * same idempotency key. Providers that cannot (a database password is never stored) omit it.
   */
  redeliver?(lease: Lease, actorChain?: readonly string[]): Promise<Credential>;

  /** MUST be idempotent: revoking a credential that is already gone succeeds. */
  revoke(request: RevokeRequest): Promise<void>;

  /**
   * OPTIONAL capability: true when revoke() calls nothing outside warrant, because revoking one
   * of its credentials means only that its lease stops being active, which warrant itself checks
   * (oauth-jwt: introspection reports a token inactive once its lease is not active). The lease
   * store recording the lease as revoked is then the provider's confirmation, so bulk revocations
   * take such leases straight to `revoked` without queueing a provider attempt. A wrapper whose
   * revoke() does anything more must not claim it. Absent means false.
   */
  readonly localRevocation?: boolean;

  /**
   * OPTIONAL capability: true when mint() creates nothing outside this process (oauth-jwt signs a
   * token here; it grants nothing until it is delivered, and it is delivered only once its lease
   * is active). The service may then mint while the pending lease is written and the task counts
   * it, and drops what was made if either fails or refuses. A wrapper whose mint() does anything
   * more must not claim it. Absent means false: mint() runs only once the lease is written pending
   * and counted, so nothing exists at the provider without a lease record.
   */
  readonly localMint?: boolean;

  /**
   * OPTIONAL: replaces the credential warrant itself uses at the backend (like Vault's
   * rotate-root) with a fresh one only warrant knows, stores it where the config says, and goes on
   * using it. Throws ERR_ROTATION_UNSUPPORTED when the config gives it nowhere to store it.
   */
  rotateAdminCredential?(): Promise<AdminRotation>;

  close(): Promise<void>;
}

/** What a rotation of a provider's own credential did; never the credential. */
export interface AdminRotation {
  readonly rotatedAt: number;
  /** Where the new credential is kept, e.g. the password file. */
  readonly storedIn: string;
}
