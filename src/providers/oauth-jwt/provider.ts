import { WarrantError, type Clock, type Lease, type OAuthTokenCredential } from '../../core/index.js';
import type {
  CredentialProvider,
  MintRequest,
  MintResult,
  ProviderLimits,
  RenewRequest,
  RenewResult,
  RevokeRequest,
} from '../provider.js';
import { quoteForMessage } from '../message-text.js';
import { AccessTokenSigner, actorClaims, verifyAccessTokenWith, type AccessTokenClaims } from './access-token.js';
import type { OAuthJwtConfig } from './config.js';
import { resolveScopeWithin } from '../oauth-scope.js';
import { loadSigningKey, type PublicJwk, type SigningKey } from '../signing-key.js';

export interface OAuthJwtDeps {
  readonly clock: Clock;
}

/**
 * warrant itself is the authorization server: it signs RFC 9068 JWT access tokens with its own
 * ES256 key. Revocation lives in the lease store; resource servers learn it through introspection.
 */
export class OAuthJwtProvider implements CredentialProvider {
  readonly name: string;
  readonly kind = 'oauth-jwt' as const;
  readonly limits: ProviderLimits;
  /** Revoking a token is its lease leaving `active` (introspection then reports it inactive): nothing to call. */
  readonly localRevocation = true;
  /** A token is signed here and grants nothing until it is delivered. */
  readonly localMint = true;

  readonly #config: OAuthJwtConfig;
  readonly #clock: Clock;
  readonly #key: SigningKey;
  readonly #signer: AccessTokenSigner;
  readonly #ceiling: ReadonlySet<string>;
  readonly #audienceClaim: string | readonly string[];
  readonly #jwks: { readonly keys: readonly PublicJwk[] };
  #closed = false;

  private constructor(name: string, config: OAuthJwtConfig, clock: Clock, key: SigningKey) {
    this.name = name;
    this.#config = config;
    this.#clock = clock;
    this.#key = key;
    this.#signer = new AccessTokenSigner(key.privateKey, key.publicJwk.kid);
    this.#ceiling = new Set(config.scopes);
    // RFC 7519 §4.1.3: a single audience may be a plain string.
    this.#audienceClaim = config.audience.length === 1 ? config.audience[0]! : config.audience;
    this.#jwks = Object.freeze({ keys: Object.freeze([key.publicJwk]) });
    this.limits = Object.freeze({
      defaultTtlMs: config.defaultTtlMs,
      maxTtlMs: config.maxTtlMs,
      renewable: config.renewable,
    });
  }

  /**
   * Loads or creates the signing key. With no signingKeyFile the key exists only in this process:
   * every token it signed becomes unverifiable when the process exits.
   */
  static async create(name: string, config: OAuthJwtConfig, deps: OAuthJwtDeps): Promise<OAuthJwtProvider> {
    const key = await loadSigningKey(config.signingKeyFile, `providers.${name}.signingKeyFile`);
    return new OAuthJwtProvider(name, config, deps.clock, key);
  }

  /** The token's jti is the lease id, so the lease id is all revocation and introspection need. */
  handleFor(leaseId: string): string {
    return leaseId;
  }

  resolveScope(requested: readonly string[]): readonly string[] {
    return resolveScopeWithin(requested, this.#ceiling, this.#config.defaultScopes, this.name);
  }

  async mint(request: MintRequest): Promise<MintResult> {
    this.#assertOpen();
    // Scope arrives resolved, but the ceiling is enforced here too: a token is the last line.
    const outside = request.scope.find((s) => !this.#ceiling.has(s));
    if (outside !== undefined) {
      throw new WarrantError('ERR_SCOPE_INVALID', `scope ${quoteForMessage(outside)} is outside the ceiling of provider '${this.name}'`);
    }
    const iat = Math.floor(this.#clock.now() / 1000);
    const exp = Math.floor(Math.min(request.expiresAt, request.issuedAt + this.#config.maxTtlMs) / 1000);
    if (exp <= iat) {
      throw new WarrantError('ERR_TTL_INVALID', `lease ${request.leaseId}: provider '${this.name}' cannot mint a token that is already expired`);
    }
    return this.#issue({ jti: request.leaseId, owner: request.owner, taskId: request.taskId, scope: request.scope, iat, exp, actorChain: request.actorChain });
  }

  async renew(request: RenewRequest): Promise<RenewResult> {
    this.#assertOpen();
    const { lease } = request;
    if (!this.#config.renewable) {
      throw new WarrantError('ERR_LEASE_NOT_RENEWABLE', `provider '${this.name}' does not renew tokens; request a new credential`);
    }
    if (lease.provider !== this.name) {
      throw new WarrantError('ERR_INTERNAL', `lease ${lease.id} belongs to provider '${lease.provider}', not '${this.name}'`);
    }
    // The ceiling may have shrunk since the lease was issued; a renewal never re-grants what it dropped.
    const dropped = lease.scope.find((s) => !this.#ceiling.has(s));
    if (dropped !== undefined) {
      throw new WarrantError(
        'ERR_LEASE_NOT_RENEWABLE',
        `lease ${lease.id}: scope ${quoteForMessage(dropped)} is no longer within the ceiling of provider '${this.name}'`,
      );
    }
    const iat = Math.floor(this.#clock.now() / 1000);
    if (Math.floor(request.expiresAt / 1000) <= iat) {
      throw new WarrantError('ERR_TTL_INVALID', `lease ${lease.id}: the requested expiry is not in the future`);
    }
    const latest = Math.min(lease.maxExpiresAt, lease.issuedAt + this.#config.maxTtlMs);
    const exp = Math.floor(Math.min(request.expiresAt, latest) / 1000);
    if (exp <= iat) {
      throw new WarrantError('ERR_LEASE_AT_MAX_TTL', `lease ${lease.id} has reached its maximum lifetime`);
    }
    return this.#issue({ jti: lease.id, owner: lease.owner, taskId: lease.taskId, scope: lease.scope, iat, exp, actorChain: request.actorChain });
  }

  /** A retried issue gets a token for the same lease: same jti, same expiry, freshly signed. */
  async redeliver(lease: Lease, actorChain?: readonly string[]): Promise<OAuthTokenCredential> {
    this.#assertOpen();
    const iat = Math.floor(this.#clock.now() / 1000);
    const exp = Math.floor(lease.expiresAt / 1000);
    if (exp <= iat) throw new WarrantError('ERR_LEASE_NOT_RENEWABLE', `lease ${lease.id} has expired`);
    return (await this.#issue({ jti: lease.id, owner: lease.owner, taskId: lease.taskId, scope: lease.scope, iat, exp, actorChain })).credential;
  }

  /** Nothing to undo here: the token stays well-formed until exp, and introspection reports the lease revoked. */
  async revoke(_request: RevokeRequest): Promise<void> {
    return;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#signer.close();
  }

  /** The public signing key, for /.well-known/jwks.json. */
  jwks(): { readonly keys: readonly PublicJwk[] } {
    return this.#jwks;
  }

  /** Claims of a token this provider signed and that is valid at nowMs; undefined for anything else. */
  verifyAccessToken(token: string, nowMs: number): Promise<AccessTokenClaims | undefined> {
    return verifyAccessTokenWith(token, this.#key.publicKey, this.#config.issuer, nowMs);
  }

  async #issue(t: {
    jti: string;
    owner: string;
    taskId: string;
    scope: readonly string[];
    iat: number;
    exp: number;
    actorChain?: readonly string[] | undefined;
  }): Promise<{ credential: OAuthTokenCredential; expiresAt: number }> {
    const scope = t.scope.join(' ');
    const delegation = actorClaims(t.owner, t.actorChain);
    // Claim order is fixed so equal inputs sign equal bytes; scope is omitted when empty (RFC 9068 §2.2.3).
    const claims: AccessTokenClaims = {
      iss: this.#config.issuer,
      sub: delegation?.sub ?? t.owner,
      aud: this.#audienceClaim,
      exp: t.exp,
      iat: t.iat,
      jti: t.jti,
      client_id: t.owner,
      ...(scope === '' ? {} : { scope }),
      task_id: t.taskId,
      ...(delegation === undefined ? {} : { act: delegation.act }),
    };
    const expiresAt = t.exp * 1000;
    return {
      credential: {
        kind: 'oauth_token',
        accessToken: await this.#signer.sign(claims),
        tokenType: 'Bearer',
        expiresAt,
        scope: [...t.scope],
        audience: [...this.#config.audience],
      },
      expiresAt,
    };
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider '${this.name}' is closed`);
    }
  }
}
