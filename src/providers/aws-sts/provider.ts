import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { WarrantError, isLeaseId, leaseIdTime, type AwsSessionCredential, type Clock } from '../../core/index.js';
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
import { awsFailure } from './aws-errors.js';
import { baseCredentials, type AwsCredentials, type AwsCredentialsProvider } from './base-credentials.js';
import { MIN_SESSION_MS, type AwsStsConfig } from './config.js';
import { RoleDenies } from './role-denies.js';
import { checkedEntries, resolveAwsScope, sessionPolicyFor } from './scope.js';
import { leaseIdOfSessionName, sessionNameFor, sessionTagsFor, sourceIdentityFor } from './session-identity.js';

export interface AwsStsDeps {
  readonly clock: Clock;
  /** Environment variables the config may name; only the composition root reads process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly notify?: (notice: ProviderNotice) => void;
}

// GetRole is an IAM call (slow, rate-limited): the role's maximum session is re-read this often.
const ROLE_INFO_TTL_MS = 5 * 60_000;
// How far warrant's clock may be from AWS's (both NTP-synchronised).
const CLOCK_SKEW_MS = 5_000;
// Time from a lease's issue to its AssumeRole call: the policy decision and the pending lease write.
const PRE_MINT_MS = 30_000;

/**
 * Mints AWS STS sessions with AssumeRole: one session per lease, named after it, narrowed by an
 * inline session policy built from the scope, tagged with the workload, task and lease. AWS cannot
 * delete a session, so revoking one adds a deny for it to an inline policy of the role.
 */
export class AwsStsProvider implements CredentialProvider {
  readonly name: string;
  readonly kind = 'aws-sts' as const;
  readonly limits: ProviderLimits;

  readonly #config: AwsStsConfig;
  readonly #clock: Clock;
  readonly #sts: STSClient;
  readonly #iam: IAMClient;
  readonly #denies: RoleDenies;
  /** Longest a mint can take from its lease's issue time to AWS's clock, including skew. */
  readonly #mintWindowMs: number;
  #roleInfo: { maxSessionMs: number; at: number } | undefined;
  /** Until then a role-wide deny covers sessions not yet issued: minting would deliver dead credentials. */
  #mintPausedUntil = 0;
  #closed = false;

  private constructor(name: string, config: AwsStsConfig, deps: AwsStsDeps, credentials: AwsCredentials | AwsCredentialsProvider | undefined) {
    this.name = name;
    this.#config = config;
    this.#clock = deps.clock;
    const common = {
      ...(config.region === undefined ? {} : { region: config.region }),
      ...(credentials === undefined ? {} : { credentials }),
      ...(config.credentials.source === 'default-chain' && config.credentials.profile !== undefined ? { profile: config.credentials.profile } : {}),
      maxAttempts: config.maxAttempts,
      requestHandler: { requestTimeout: config.requestTimeoutMs, connectionTimeout: config.requestTimeoutMs },
    };
    this.#sts = new STSClient({ ...common, ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }) });
    // IAM is global: its calls are signed for the partition's home region whatever region STS uses.
    this.#iam = new IAMClient({
      ...common,
      region: iamRegion(config.roleArn),
      ...(config.iamEndpoint === undefined ? {} : { endpoint: config.iamEndpoint }),
    });
    this.#mintWindowMs = PRE_MINT_MS + config.requestTimeoutMs * config.maxAttempts + CLOCK_SKEW_MS;
    const notify = deps.notify ?? (() => undefined);
    this.#denies = new RoleDenies({
      iam: this.#iam,
      provider: name,
      roleArn: config.roleArn,
      roleName: config.roleName,
      policyName: config.revocationPolicyName,
      sizeLimit: config.revocationPolicySizeLimit,
      mintWindowMs: this.#mintWindowMs,
      skewMs: CLOCK_SKEW_MS,
      clock: deps.clock,
      notify,
      pauseMinting: (untilMs) => {
        this.#mintPausedUntil = Math.max(this.#mintPausedUntil, untilMs);
      },
    });
    // Sessions cannot be extended: a longer task needs a new lease.
    this.limits = Object.freeze({ defaultTtlMs: config.defaultTtlMs, maxTtlMs: config.maxTtlMs, renewable: false });
  }

  /** Builds the SDK clients; credentials named in config must be present now (ERR_CONFIG otherwise). */
  static async create(name: string, config: AwsStsConfig, deps: AwsStsDeps): Promise<AwsStsProvider> {
    const credentials = baseCredentials(config.credentials, deps.env ?? {}, `providers.${name}`);
    return new AwsStsProvider(name, config, deps, credentials);
  }

  /** The role session name; a deny for it revokes the session. */
  handleFor(leaseId: string): string {
    return sessionNameFor(leaseId);
  }

  resolveScope(requested: readonly string[]): readonly string[] {
    return resolveAwsScope(requested, this.#config.ceiling, this.#config.defaultScope, this.name);
  }

  async mint(request: MintRequest): Promise<MintResult> {
    this.#assertOpen();
    // Scope arrives resolved, but the ceiling is enforced here too: the session policy is the last line.
    const entries = checkedEntries(request.scope, this.#config.ceiling, this.name);
    if (entries.length === 0) {
      throw new WarrantError('ERR_SCOPE_INVALID', `provider '${this.name}' never mints a session without a scope`);
    }
    if (this.#clock.now() < this.#mintPausedUntil) {
      throw new WarrantError(
        'ERR_PROVIDER_UNAVAILABLE',
        `provider '${this.name}': a role-wide revocation of ${this.#config.roleArn} also denies sessions issued now; minting resumes at ${new Date(this.#mintPausedUntil).toISOString()}`,
      );
    }
    const maxSessionMs = Math.min(await this.#roleMaxSessionMs(), this.#config.maxTtlMs);
    const wantedMs = request.expiresAt - this.#clock.now();
    // AWS's minimum is 15 minutes: a shorter request gets 15 minutes, and the lease says so.
    const durationSeconds = Math.floor(Math.max(MIN_SESSION_MS, Math.min(wantedMs, maxSessionMs)) / 1000);
    let out;
    try {
      out = await this.#sts.send(
        new AssumeRoleCommand({
          RoleArn: this.#config.roleArn,
          RoleSessionName: sessionNameFor(request.leaseId),
          Policy: sessionPolicyFor(entries),
          DurationSeconds: durationSeconds,
          SourceIdentity: sourceIdentityFor(request.owner),
          Tags: sessionTagsFor({
            spiffeId: request.owner,
            trustDomain: request.trustDomain,
            taskId: request.taskId,
            leaseId: request.leaseId,
            provider: this.name,
            actorChain: request.actorChain,
          }),
        }),
      );
    } catch (err) {
      throw mintFailure(err, this.name);
    }
    const c = out.Credentials;
    const arn = out.AssumedRoleUser?.Arn;
    if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined || !(c.Expiration instanceof Date) || arn === undefined) {
      throw new WarrantError('ERR_PROVIDER_FAILED', `provider '${this.name}': AssumeRole answered without credentials, expiry or assumed role`);
    }
    const expiresAt = c.Expiration.getTime();
    const credential: AwsSessionCredential = {
      kind: 'aws_session',
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiresAt,
      region: await this.#region(),
      assumedRoleArn: arn,
    };
    return { credential, expiresAt };
  }

  async renew(request: RenewRequest): Promise<RenewResult> {
    throw new WarrantError('ERR_LEASE_NOT_RENEWABLE', `lease ${request.lease.id}: AWS STS sessions cannot be extended; request a new credential`);
  }

  /**
   * Denies the session in the role's inline policy until it would have expired anyway. Nothing is
   * written when the session has surely expired already.
   */
  async revoke(request: RevokeRequest): Promise<void> {
    this.#assertOpen();
    const leaseId = leaseIdOfSessionName(request.handle);
    if (leaseId === undefined || leaseId !== request.leaseId || !isLeaseId(leaseId)) {
      throw new WarrantError('ERR_INTERNAL', `lease ${request.leaseId}: handle ${JSON.stringify(request.handle)} is not this lease's session name`);
    }
    const until = this.#sessionMayLiveUntil(leaseId, request.expiresAt);
    if (this.#clock.now() >= until) return;
    await this.#denies.deny(request.handle, leaseId, until);
  }

  /**
   * Revokes every warrant session of the role at once with an aws:TokenIssueTime deny, including
   * sessions of leases still active. Returns the instant before which sessions are denied.
   */
  async revokeAllSessions(): Promise<number> {
    this.#assertOpen();
    return this.#denies.denyAllIssuedBefore();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#sts.destroy();
    this.#iam.destroy();
  }

  /**
   * The latest a lease's session can be valid. A session lasts what its lease does, except that
   * AWS's 15-minute floor can make it outlast a shorter lease, and a lease cut short by an
   * SVID's expiry ends before its session; the mint window covers the time the mint took.
   */
  #sessionMayLiveUntil(leaseId: string, expiresAt: number | undefined): number {
    const issuedAt = leaseIdTime(leaseId);
    const latestEnd = expiresAt ?? issuedAt + this.#config.maxTtlMs;
    return Math.max(latestEnd, issuedAt + MIN_SESSION_MS) + this.#mintWindowMs;
  }

  async #roleMaxSessionMs(): Promise<number> {
    const now = this.#clock.now();
    if (this.#roleInfo !== undefined && now - this.#roleInfo.at < ROLE_INFO_TTL_MS) return this.#roleInfo.maxSessionMs;
    let seconds: number | undefined;
    try {
      const out = await this.#iam.send(new GetRoleCommand({ RoleName: this.#config.roleName }));
      seconds = out.Role?.MaxSessionDuration;
    } catch (err) {
      throw awsFailure(err, this.name, 'GetRole');
    }
    // AWS's default when a role says nothing.
    const maxSessionMs = (seconds ?? 3600) * 1000;
    this.#roleInfo = { maxSessionMs, at: now };
    return maxSessionMs;
  }

  async #region(): Promise<string> {
    if (this.#config.region !== undefined) return this.#config.region;
    return this.#sts.config.region();
  }

  #assertOpen(): void {
    if (this.#closed) throw new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider '${this.name}' is closed`);
  }
}

function mintFailure(err: unknown, provider: string): WarrantError {
  const failure = awsFailure(err, provider, 'AssumeRole');
  const code = failure.details?.['awsCode'];
  // The scope made a policy AWS will not take: the caller can fix that by asking for less.
  if (code === 'PackedPolicyTooLarge') {
    return new WarrantError(
      'ERR_SCOPE_INVALID',
      `AWS refused the session for provider '${provider}': its policy and tags are too large when packed; request fewer scope entries`,
      { details: failure.details ?? {} },
    );
  }
  if (code === 'MalformedPolicyDocument') {
    return new WarrantError('ERR_SCOPE_INVALID', `AWS refused the session policy built from this scope for provider '${provider}'`, {
      details: failure.details ?? {},
    });
  }
  return failure;
}

/** The region IAM calls are signed for: IAM lives in its partition's home region. */
function iamRegion(roleArn: string): string {
  const partition = roleArn.split(':')[1];
  if (partition === 'aws-cn') return 'cn-north-1';
  if (partition === 'aws-us-gov') return 'us-gov-west-1';
  return 'us-east-1';
}
