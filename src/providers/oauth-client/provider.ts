import { readFile } from 'node:fs/promises';
import { WarrantError, formatDuration, leaseIdTime, type Clock, type OAuthTokenCredential } from '../../core/index.js';
import { quoteForMessage } from '../message-text.js';
import { resolveScopeWithin } from '../oauth-scope.js';
import type {
  CredentialProvider,
  MintRequest,
  MintResult,
  ProviderLimits,
  ProviderNotice,
  RenewRequest,
  RenewResult,
  RevokeRequest,
} from '../provider.js';
import { loadSigningKey, type PublicJwk, type SigningKey } from '../signing-key.js';
import { authenticate, type ClientCredentials } from './client-auth.js';
import type { OAuthClientConfig } from './config.js';
import { HeldTokens } from './held-tokens.js';
import { isServerBusy, oauthErrorCode, oauthErrorText, postForm, urlForMessage, type HttpAnswer } from './http-exchange.js';
import { MetadataCache, type ServerMetadata } from './server-metadata.js';
import { JWT_TOKEN_TYPE, signSubjectToken } from './subject-token.js';
import { ACCESS_TOKEN_TYPE, parseTokenResponse } from './token-response.js';

export interface OAuthClientDeps {
  readonly clock: Clock;
  /** Environment variables the config may name; only the composition root reads process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly notify?: (notice: ProviderNotice) => void;
}

const GRANT_TYPES = {
  client_credentials: 'client_credentials',
  token_exchange: 'urn:ietf:params:oauth:grant-type:token-exchange',
} as const;

/**
 * Obtains access tokens from an external authorization server: client_credentials, or RFC 8693
 * token exchange with a warrant-signed subject token naming the workload. Scopes are narrowed to
 * the request and resource indicators (RFC 8707) sent. Revocation is RFC 7009 while this process
 * still holds the token; where the server cannot revoke, tokens are kept short and die at expiry.
 */
export class OAuthClientProvider implements CredentialProvider {
  readonly name: string;
  readonly kind = 'oauth-client' as const;
  readonly limits: ProviderLimits;

  readonly #config: OAuthClientConfig;
  readonly #clock: Clock;
  readonly #notify: (notice: ProviderNotice) => void;
  readonly #client: ClientCredentials;
  readonly #clientKey: SigningKey | undefined;
  readonly #assertionKey: SigningKey | undefined;
  readonly #metadata: MetadataCache;
  readonly #held = new HeldTokens();
  readonly #ceiling: ReadonlySet<string>;
  #closed = false;

  private constructor(
    name: string,
    config: OAuthClientConfig,
    deps: OAuthClientDeps,
    client: ClientCredentials,
    clientKey: SigningKey | undefined,
    assertionKey: SigningKey | undefined,
  ) {
    this.name = name;
    this.#config = config;
    this.#clock = deps.clock;
    this.#notify = deps.notify ?? (() => undefined);
    this.#client = client;
    this.#clientKey = clientKey;
    this.#assertionKey = assertionKey;
    this.#metadata = new MetadataCache(config.issuer, config.timeoutMs, deps.clock, name);
    this.#ceiling = new Set(config.scopes);
    // A token cannot be extended: renewal would be a second token, so a longer task asks again.
    this.limits = Object.freeze({ defaultTtlMs: config.defaultTtlMs, maxTtlMs: config.maxTtlMs, renewable: false });
  }

  /**
   * Reads the client secret or loads (creating when missing) the client and assertion keys, then
   * starts discovery in the background: an unreachable server must not stop warrant from starting.
   */
  static async create(name: string, config: OAuthClientConfig, deps: OAuthClientDeps): Promise<OAuthClientProvider> {
    const path = `providers.${name}`;
    let client: ClientCredentials;
    let clientKey: SigningKey | undefined;
    if (config.clientAuth === 'client_secret_basic') {
      client = { method: 'client_secret_basic', clientId: config.clientId, secret: await readClientSecret(config, deps.env ?? {}, path) };
    } else {
      clientKey = await loadSigningKey(config.clientKeyFile, `${path}.clientKeyFile`);
      client = { method: 'private_key_jwt', clientId: config.clientId, key: clientKey.privateKey, kid: clientKey.publicJwk.kid };
    }
    const assertionKey = config.grant === 'token_exchange' ? await loadSigningKey(config.assertionKeyFile, `${path}.assertionKeyFile`) : undefined;
    const provider = new OAuthClientProvider(name, config, deps, client, clientKey, assertionKey);
    provider.#metadata.get().catch(() => undefined);
    return provider;
  }

  /** The lease id: the token itself is what RFC 7009 needs, and it is never stored. */
  handleFor(leaseId: string): string {
    return leaseId;
  }

  resolveScope(requested: readonly string[]): readonly string[] {
    return resolveScopeWithin(requested, this.#ceiling, this.#config.defaultScopes, this.name);
  }

  /** The public key to register with the server for private_key_jwt, if that is the method. */
  clientJwk(): PublicJwk | undefined {
    return this.#clientKey?.publicJwk;
  }

  /** The public key the server must trust for subject tokens, if the grant is token_exchange. */
  assertionJwk(): PublicJwk | undefined {
    return this.#assertionKey?.publicJwk;
  }

  async mint(request: MintRequest): Promise<MintResult> {
    this.#assertOpen();
    const outside = request.scope.find((s) => !this.#ceiling.has(s));
    if (outside !== undefined) {
      throw new WarrantError('ERR_SCOPE_INVALID', `scope ${quoteForMessage(outside)} is outside the ceiling of provider '${this.name}'`);
    }
    const metadata = await this.#metadata.get();
    const grantType = GRANT_TYPES[this.#config.grant];
    if (metadata.grantTypes !== undefined && !metadata.grantTypes.includes(grantType)) {
      throw this.#failed(`the authorization server does not offer the ${this.#config.grant} grant`);
    }
    if (metadata.tokenEndpointAuthMethods !== undefined && !metadata.tokenEndpointAuthMethods.includes(this.#client.method)) {
      throw this.#failed(`the authorization server does not accept ${this.#client.method} at its token endpoint`);
    }

    const params = new URLSearchParams({ grant_type: grantType });
    if (request.scope.length > 0) params.set('scope', request.scope.join(' '));
    for (const r of this.#config.resource) params.append('resource', r);
    if (this.#config.grant === 'token_exchange') {
      const key = this.#assertionKey!;
      params.set(
        'subject_token',
        await signSubjectToken(key.privateKey, key.publicJwk.kid, {
          issuer: this.#config.assertionIssuer!,
          audience: metadata.issuer,
          subject: request.owner,
          taskId: request.taskId,
          leaseId: request.leaseId,
          nowMs: this.#clock.now(),
        }),
      );
      params.set('subject_token_type', JWT_TOKEN_TYPE);
      params.set('requested_token_type', ACCESS_TOKEN_TYPE);
    }
    const answer = await this.#call(metadata, metadata.tokenEndpoint, params);
    if (answer.status !== 200) throw this.#tokenError(answer);
    let token;
    try {
      token = parseTokenResponse(answer.json, this.name, this.#config.grant === 'token_exchange');
    } catch (err) {
      // A token that will not be delivered is revoked at once where that is possible.
      const issued = answer.json?.['access_token'];
      if (typeof issued === 'string') await this.#discard(metadata, issued);
      throw err;
    }

    const now = this.#clock.now();
    const tokenExpiresAt = now + Math.floor(token.expiresInS * 1000);
    const revocable = metadata.revocationEndpoint !== undefined;
    const granted = token.scope ?? request.scope;
    const extra = granted.find((s) => !request.scope.includes(s));
    if (extra !== undefined) {
      await this.#discard(metadata, token.accessToken);
      throw this.#failed(`the authorization server granted scope ${quoteForMessage(extra)}, which was not requested; the token was not delivered`);
    }
    const longest = revocable ? this.#config.maxTtlMs : this.#config.expiryOnlyMaxTtlMs;
    if (token.expiresInS * 1000 > longest) {
      await this.#discard(metadata, token.accessToken);
      throw this.#failed(
        `the authorization server issued a token for ${formatDuration(token.expiresInS * 1000)}, longer than the ${formatDuration(longest)} ` +
          `allowed ${revocable ? '(maxTtl)' : 'for a server that cannot revoke tokens (expiryOnlyMaxTtl)'}; shorten its token lifetime`,
      );
    }

    let expiresAt: number;
    this.#held.sweep(now);
    if (revocable) {
      // The lease ends when asked; the token is revoked then, through the copy held here.
      expiresAt = Math.min(request.expiresAt, tokenExpiresAt);
      this.#held.hold(request.leaseId, { state: 'held', token: token.accessToken, expiresAt: tokenExpiresAt });
    } else {
      // Nothing can end the token early: the lease ends exactly when the token does.
      expiresAt = tokenExpiresAt;
      this.#held.hold(request.leaseId, { state: 'unrevocable', expiresAt: tokenExpiresAt });
      this.#notify({
        provider: this.name,
        operation: 'issue',
        leaseId: request.leaseId,
        notice: 'revocation_expiry_only',
        message: `the authorization server has no revocation endpoint: the token cannot be revoked and dies at its expiry, ${new Date(tokenExpiresAt).toISOString()}`,
        details: { tokenExpiresAt: new Date(tokenExpiresAt).toISOString() },
      });
    }
    const credential: OAuthTokenCredential = {
      kind: 'oauth_token',
      accessToken: token.accessToken,
      tokenType: 'Bearer',
      expiresAt,
      scope: [...granted],
      audience: [...this.#config.resource],
    };
    return { credential, expiresAt };
  }

  async renew(request: RenewRequest): Promise<RenewResult> {
    throw new WarrantError('ERR_LEASE_NOT_RENEWABLE', `lease ${request.lease.id}: provider '${this.name}' does not renew tokens; request a new credential`);
  }

  /**
   * RFC 7009 with the token this process holds. A token it does not hold (minted before a restart
   * or by another replica) or that the server cannot revoke lives until its expiry: the revocation
   * is confirmed, and a notice for the audit log says until when at the latest.
   */
  async revoke(request: RevokeRequest): Promise<void> {
    this.#assertOpen();
    const now = this.#clock.now();
    const held = this.#held.get(request.leaseId, now);
    if (held === undefined) {
      const metadata = this.#metadata.known();
      if (metadata !== undefined && metadata.revocationEndpoint === undefined) {
        this.#noticeExpiryOnly(request, 'the authorization server has no revocation endpoint', this.#latestExpiry(request.leaseId, this.#config.expiryOnlyMaxTtlMs));
      } else {
        this.#noticeExpiryOnly(request, 'this process does not hold the token (it was minted before a restart or by another replica)');
      }
      return;
    }
    if (held.state === 'done') return;
    if (held.state === 'unrevocable') {
      this.#held.done(request.leaseId);
      this.#noticeExpiryOnly(request, 'the authorization server has no revocation endpoint', held.expiresAt);
      return;
    }
    const metadata = await this.#metadata.get();
    if (metadata.revocationEndpoint === undefined) {
      this.#held.done(request.leaseId);
      this.#noticeExpiryOnly(request, 'the authorization server no longer has a revocation endpoint', held.expiresAt);
      return;
    }
    const params = new URLSearchParams({ token: held.token, token_type_hint: 'access_token' });
    const answer = await this.#call(metadata, metadata.revocationEndpoint, params);
    if (answer.status === 200) {
      this.#held.done(request.leaseId);
      return;
    }
    if (isServerBusy(answer.status)) {
      throw new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider '${this.name}': revocation endpoint answered ${oauthErrorText(answer)}; retrying`);
    }
    if (oauthErrorCode(answer) === 'unsupported_token_type') {
      this.#held.done(request.leaseId);
      this.#noticeExpiryOnly(request, 'the authorization server does not revoke access tokens', held.expiresAt);
      return;
    }
    throw this.#failed(`revocation at ${urlForMessage(metadata.revocationEndpoint)} failed: ${oauthErrorText(answer)}`);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#held.clear();
  }

  async #call(metadata: ServerMetadata, url: string, params: URLSearchParams): Promise<HttpAnswer> {
    const headers: Record<string, string> = {};
    await authenticate(this.#client, params, headers, metadata.issuer, this.#clock.now());
    return postForm(url, params, headers, this.#config.timeoutMs, this.name);
  }

  /** Best effort: revokes a token that will not be delivered; it dies at its expiry otherwise. */
  async #discard(metadata: ServerMetadata, token: string): Promise<void> {
    if (metadata.revocationEndpoint === undefined) return;
    await this.#call(metadata, metadata.revocationEndpoint, new URLSearchParams({ token, token_type_hint: 'access_token' })).catch(() => undefined);
  }

  #tokenError(answer: HttpAnswer): WarrantError {
    if (isServerBusy(answer.status)) {
      return new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider '${this.name}': token endpoint answered ${oauthErrorText(answer)}`);
    }
    // The server's own word on the scope; the ceiling already let it through, so it names what it refused.
    if (oauthErrorCode(answer) === 'invalid_scope') {
      return new WarrantError('ERR_SCOPE_INVALID', `the authorization server of provider '${this.name}' refused the scope: ${oauthErrorText(answer)}`);
    }
    return this.#failed(`token request refused: ${oauthErrorText(answer)}`);
  }

  #noticeExpiryOnly(request: RevokeRequest, why: string, tokenExpiresAt?: number): void {
    const now = this.#clock.now();
    // Without the held copy, the token's own expiry is unknown; maxTtl bounds it from the lease's issue.
    const latest = tokenExpiresAt ?? this.#latestExpiry(request.leaseId, this.#config.maxTtlMs);
    if (latest <= now) return;
    this.#notify({
      provider: this.name,
      operation: 'revoke',
      leaseId: request.leaseId,
      notice: 'revocation_expiry_only',
      message: `${why}: the token stays valid at the authorization server until its expiry, at the latest ${new Date(latest).toISOString()}`,
      details: { validUntilAtLatest: new Date(latest).toISOString() },
    });
  }

  /** The latest a token of this lease can expire: its lifetime was checked at mint, which took at most the timeout. */
  #latestExpiry(leaseId: string, lifetimeMs: number): number {
    return leaseIdTime(leaseId) + this.#config.timeoutMs * 2 + lifetimeMs;
  }

  #failed(problem: string): WarrantError {
    return new WarrantError('ERR_PROVIDER_FAILED', `provider '${this.name}': ${problem}`);
  }

  #assertOpen(): void {
    if (this.#closed) throw new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider '${this.name}' is closed`);
  }
}

async function readClientSecret(config: OAuthClientConfig, env: Readonly<Record<string, string | undefined>>, path: string): Promise<string> {
  if (config.clientSecretFile !== undefined) {
    let text: string;
    try {
      text = await readFile(config.clientSecretFile, 'utf8');
    } catch (err) {
      throw new WarrantError('ERR_CONFIG', `${path}.clientSecretFile: cannot read ${JSON.stringify(config.clientSecretFile)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const secret = text.replace(/\r?\n$/, '');
    if (secret === '') throw new WarrantError('ERR_CONFIG', `${path}.clientSecretFile: ${JSON.stringify(config.clientSecretFile)} is empty`);
    return secret;
  }
  const name = config.clientSecretEnv!;
  const secret = env[name];
  if (secret === undefined || secret === '') throw new WarrantError('ERR_CONFIG', `${path}.clientSecretEnv: environment variable ${name} is not set`);
  return secret;
}
