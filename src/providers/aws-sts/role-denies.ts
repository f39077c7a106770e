import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { WarrantError, type Clock } from '../../core/index.js';
import type { ProviderNotice } from '../provider.js';
import { awsErrorFacts, awsFailure } from './aws-errors.js';
import {
  DenyPolicyFormatError,
  addDeny,
  fitDenyPolicy,
  isDenied,
  parseDenyPolicy,
  policySize,
  pruneDenies,
  renderDenyPolicy,
  type DenyPolicy,
} from './deny-policy.js';

export interface RoleDeniesOptions {
  readonly iam: IAMClient;
  readonly provider: string;
  readonly roleArn: string;
  readonly roleName: string;
  readonly policyName: string;
  readonly sizeLimit: number;
  /** How long after its lease's issue time a session may still have been issued at AWS (skew included). */
  readonly mintWindowMs: number;
  /** How far warrant's clock may be from AWS's. */
  readonly skewMs: number;
  readonly clock: Clock;
  readonly notify: (notice: ProviderNotice) => void;
  /** Called when a role-wide deny reaches into the future: sessions minted before `untilMs` would be dead on arrival. */
  readonly pauseMinting: (untilMs: number) => void;
}

interface Waiter {
  /** One session, by name… */
  readonly sessionName?: string;
  readonly leaseId?: string;
  readonly untilMs?: number;
  /** …or every warrant session issued before this instant. */
  readonly allBeforeMs?: number;
  resolve(): void;
  reject(err: unknown): void;
}

// One read-modify-write of the policy carries every revocation that queued up meanwhile.
const MAX_BATCH = 500;
// IAM has no conditional write: each batch re-reads the policy after writing it and writes again
// until its denies are there (another replica may have written over them).
const MAX_ROUNDS = 3;

/**
 * Writes denies for revoked sessions into the role's inline policy, one batch at a time, so that
 * concurrent revocations in this process never overwrite each other.
 */
export class RoleDenies {
  readonly #o: RoleDeniesOptions;
  readonly #queue: Waiter[] = [];
  #draining: Promise<void> | undefined;
  /** Lowered when IAM says the role's inline policies together are too large. */
  #sizeLimit: number;

  constructor(options: RoleDeniesOptions) {
    this.#o = options;
    this.#sizeLimit = options.sizeLimit;
  }

  /** Resolves once the policy denies the session until `untilMs` (or a role-wide deny covers it). */
  deny(sessionName: string, leaseId: string, untilMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ sessionName, leaseId, untilMs, resolve, reject });
      this.#drain();
    });
  }

  /** Denies every warrant session of the role issued before now (whole seconds, rounded up). Returns that instant. */
  async denyAllIssuedBefore(): Promise<number> {
    const at = Math.ceil(this.#o.clock.now() / 1000) * 1000;
    await new Promise<void>((resolve, reject) => {
      this.#queue.push({ allBeforeMs: at, resolve, reject });
      this.#drain();
    });
    return at;
  }

  #drain(): void {
    if (this.#draining !== undefined) return;
    this.#draining = (async () => {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        try {
          await this.#apply(batch);
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    })().finally(() => {
      this.#draining = undefined;
    });
  }

  async #apply(batch: readonly Waiter[]): Promise<void> {
    for (let round = 0; round <= MAX_ROUNDS; round++) {
      const policy = await this.#read();
      const missing = batch.filter((w) =>
        w.allBeforeMs !== undefined ? (policy.issuedBefore ?? 0) < w.allBeforeMs : !isDenied(policy, w.sessionName!, this.#o),
      );
      if (missing.length === 0) return;
      if (round === MAX_ROUNDS) break;
      const now = this.#o.clock.now();
      for (const w of missing) if (w.allBeforeMs !== undefined) policy.issuedBefore = Math.max(policy.issuedBefore ?? 0, w.allBeforeMs);
      pruneDenies(policy, now, this.#o);
      for (const w of missing) if (w.sessionName !== undefined) addDeny(policy, w.sessionName, w.untilMs!);
      const fit = fitDenyPolicy(policy, this.#sizeLimit, now, this.#o);
      // Stop minting before the deny is written: a session minted meanwhile would be denied at birth.
      if (fit === 'widened-ahead') this.#o.pauseMinting(policy.issuedBefore! + this.#o.skewMs);
      const written = await this.#write(policy);
      if (written === 'too-large') continue;
      if (fit !== 'fits') this.#noticeWidened(missing, policy, fit === 'widened-ahead');
    }
    throw new WarrantError(
      'ERR_PROVIDER_UNAVAILABLE',
      `provider '${this.#o.provider}': the denies written to inline policy '${this.#o.policyName}' of ${this.#o.roleArn} did not stay there (another writer?); the revocation is retried`,
    );
  }

  #noticeWidened(waiters: readonly Waiter[], policy: DenyPolicy, ahead: boolean): void {
    const issuedBefore = new Date(policy.issuedBefore!).toISOString();
    const pause = ahead ? `; minting for this provider pauses until then` : '';
    for (const w of waiters) {
      if (w.leaseId === undefined) continue;
      this.#o.notify({
        provider: this.#o.provider,
        operation: 'revoke',
        leaseId: w.leaseId,
        notice: 'revocation_widened',
        message: `inline policy '${this.#o.policyName}' of ${this.#o.roleArn} had no room for one more session, so every warrant session of the role issued before ${issuedBefore} is now denied, including those of other leases${pause}`,
        details: { role: this.#o.roleArn, policyName: this.#o.policyName, issuedBefore, sizeLimit: this.#sizeLimit, mintingPaused: ahead },
      });
    }
  }

  async #read(): Promise<DenyPolicy> {
    let document: string | undefined;
    try {
      const out = await this.#o.iam.send(new GetRolePolicyCommand({ RoleName: this.#o.roleName, PolicyName: this.#o.policyName }));
      // IAM returns policy documents URL-encoded (RFC 3986).
      document = out.PolicyDocument === undefined ? undefined : decodeURIComponent(out.PolicyDocument);
    } catch (err) {
      if (awsErrorFacts(err).awsCode !== 'NoSuchEntity') throw awsFailure(err, this.#o.provider, 'GetRolePolicy');
    }
    try {
      return parseDenyPolicy(document);
    } catch (err) {
      if (!(err instanceof DenyPolicyFormatError)) throw err;
      throw new WarrantError(
        'ERR_PROVIDER_FAILED',
        `provider '${this.#o.provider}': inline policy '${this.#o.policyName}' of ${this.#o.roleArn} is not one warrant can extend (${err.message}); fix or delete it`,
      );
    }
  }

  /** Writes the policy (deletes it when empty); 'too-large' when IAM refused it for size and the limit was lowered. */
  async #write(policy: DenyPolicy): Promise<'written' | 'too-large'> {
    const document = renderDenyPolicy(policy);
    const { iam, roleName, policyName, provider } = this.#o;
    try {
      if (document === undefined) {
        await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
      } else {
        await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: document }));
      }
      return 'written';
    } catch (err) {
      const code = awsErrorFacts(err).awsCode;
      if (document === undefined && code === 'NoSuchEntity') return 'written';
      if (document !== undefined && code === 'LimitExceeded') {
        // The role's other inline policies use part of IAM's limit: leave them room and try again.
        this.#sizeLimit = Math.floor(policySize(document) * 0.75);
        return 'too-large';
      }
      throw awsFailure(err, provider, 'PutRolePolicy');
    }
  }
}
