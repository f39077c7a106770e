import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/index.js';
import {
  WarrantError,
  formatDuration,
  isTerminal,
  newLeaseId,
  type Clock,
  type Credential,
  type Lease,
  type Trigger,
} from '../core/index.js';
import type { Workload } from '../identity/index.js';
import type { LeaseEvent, LeaseEventBus, LeaseFilter, LeaseStore } from '../leases/index.js';
import type { Decision, PolicyEngine } from '../policy/index.js';
import { OAuthJwtProvider, type CredentialProvider } from '../providers/index.js';
import { errorSummary, type Revoker } from '../revocation/index.js';
import type { Authority } from './authority.js';
import {
  checkAttributes,
  checkIdempotencyKey,
  checkLeaseId,
  checkProviderName,
  checkPurpose,
  checkReason,
  checkScope,
  checkTaskId,
  quote,
} from './input.js';
import type {
  IntrospectionResponse,
  IssueInput,
  IssueOutput,
  LeaseSelector,
  RenewOutput,
  RevokeProgress,
} from './types.js';

export interface ServiceDeps {
  readonly store: LeaseStore;
  readonly events: LeaseEventBus;
  readonly policy: () => PolicyEngine;
  readonly providers: ReadonlyMap<string, CredentialProvider>;
  readonly revoker: Revoker;
  readonly audit: AuditLog;
  readonly authority: Authority;
  readonly clock: Clock;
  readonly log: Logger;
  readonly options: {
    readonly idempotencyWindowMs: number;
    readonly capToSvidExpiry: boolean;
  };
}

const REVOKE_CONCURRENCY = 32;

function who(w: Workload): Record<string, unknown> {
  return { spiffeId: w.spiffeId, method: w.method };
}

function leaseRef(l: Lease): Record<string, unknown> {
  return { id: l.id, provider: l.provider, task: l.taskId, owner: l.owner, state: l.state, expiresAt: l.expiresAt };
}

function decisionRef(d: Decision): Record<string, unknown> {
  return { allowed: d.allowed, policies: d.determiningPolicies, errors: d.errors, policyVersion: d.policyVersion };
}

/** The use cases. The only place that composes identity, policy, leases, providers, revocation and audit. */
export class WarrantService {
  readonly #d: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.#d = deps;
  }

  // ── IssueTaskCredential ────────────────────────────────────────────────────────────────────
  async issue(caller: Workload, input: IssueInput): Promise<IssueOutput> {
    const { clock, store, audit } = this.#d;
    const taskId = checkTaskId(input.task.id);
    const purpose = checkPurpose(input.task.purpose);
    const attributes = checkAttributes(input.task.attributes);
    if (input.task.parentId !== '') {
      throw new WarrantError('ERR_INVALID_ARGUMENT', 'task.parent_id: delegated tasks are not supported by this server yet');
    }
    const providerName = checkProviderName(input.provider);
    const idempotencyKey = checkIdempotencyKey(input.idempotencyKey);
    const provider = this.#provider(providerName);
    const scope = provider.resolveScope(checkScope(input.scope));
    const ttlMs = this.#ttl(provider, input.ttlMs);

    const now = clock.now();
    const decision = this.#d.policy().decide({
      principal: { spiffeId: caller.spiffeId, trustDomain: caller.trustDomain, path: caller.path },
      action: 'issue',
      resource: { provider: provider.name, kind: provider.kind },
      context: { task: { id: taskId, purpose, attributes, depth: 0 }, scope, ttlSeconds: Math.ceil(ttlMs / 1000), now },
    });
    audit.append({
      type: 'decision',
      action: 'issue',
      workload: who(caller),
      task: taskId,
      provider: provider.name,
      scope,
      ttlMs,
      decision: decisionRef(decision),
    });
    if (!decision.allowed) throw this.#denied(caller, provider.name, decision);
    if (decision.approvalRequired) {
      throw new WarrantError(
        'ERR_POLICY_DENIED',
        `policy ${decision.determiningPolicies.map((p) => quote(p)).join(', ')} requires approval, and this server has no approval gate yet; nothing was issued`,
      );
    }

    let expiresAt = now + ttlMs;
    let maxExpiresAt = now + provider.limits.maxTtlMs;
    if (this.#d.options.capToSvidExpiry) {
      if (caller.svidExpiresAt <= now) throw new WarrantError('ERR_UNAUTHENTICATED', 'the SVID presented has expired');
      expiresAt = Math.min(expiresAt, caller.svidExpiresAt);
      maxExpiresAt = Math.min(maxExpiresAt, caller.svidExpiresAt);
    }

    const id = newLeaseId(now);
    const created = await store.createPending(
      {
        id,
        owner: caller.spiffeId,
        trustDomain: caller.trustDomain,
        taskId,
        provider: provider.name,
        providerKind: provider.kind,
        scope,
        handle: provider.handleFor(id),
        issuedAt: now,
        expiresAt,
        maxExpiresAt,
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      },
      idempotencyKey === undefined
        ? undefined
        : {
            key: idempotencyKey,
            requestDigest: requestDigest(taskId, provider.name, scope, input.ttlMs),
            ttlMs: this.#d.options.idempotencyWindowMs,
          },
    );
    if (created.outcome === 'conflict') {
      throw new WarrantError(
        'ERR_IDEMPOTENCY_CONFLICT',
        `idempotency_key ${quote(idempotencyKey ?? '')} was already used for a different request (lease ${created.lease.id}); use a new key`,
      );
    }
    if (created.outcome === 'existing') return this.#redeliver(created.lease, provider);

    let minted;
    try {
      minted = await provider.mint({
        leaseId: id,
        owner: caller.spiffeId,
        trustDomain: caller.trustDomain,
        taskId,
        scope,
        issuedAt: now,
        expiresAt,
      });
    } catch (err) {
      audit.append({ type: 'issue', outcome: 'mint_failed', workload: who(caller), lease: { id, provider: provider.name, task: taskId }, error: errorCode(err) });
      await this.#abandon(id, 'mint failed');
      throw asProviderError(err, provider.name);
    }
    const finalExpiry = Math.min(minted.expiresAt, maxExpiresAt);
    let lease: Lease;
    try {
      lease = await store.activate(id, finalExpiry, clock.now());
    } catch (err) {
      // The credential exists but its lease could not be confirmed: revoke it now if we can;
      // otherwise the reaper finds the pending lease and revokes it through its handle.
      await provider.revoke({ leaseId: id, handle: provider.handleFor(id) }).catch(() => undefined);
      audit.append({ type: 'issue', outcome: 'activate_failed', workload: who(caller), lease: { id, provider: provider.name, task: taskId }, error: errorCode(err) });
      throw err;
    }
    audit.append({
      type: 'issue',
      outcome: 'issued',
      workload: who(caller),
      lease: leaseRef(lease),
      scope: lease.scope,
      policies: decision.determiningPolicies,
      policyVersion: decision.policyVersion,
      credentialHmac: this.#digest(minted.credential),
    });
    this.#d.events.publish({ type: 'issued', lease, at: clock.now() });
    return { lease, credential: minted.credential };
  }

  // ── RenewLease ─────────────────────────────────────────────────────────────────────────────
  async renew(caller: Workload, leaseIdText: string, incrementMs: number | undefined): Promise<RenewOutput> {
    const { clock, store, audit } = this.#d;
    const id = checkLeaseId(leaseIdText);
    const current = await this.#lease(id);
    const standing = this.#d.authority.standing(caller.spiffeId, current.owner);
    if (standing === 'none') throw new WarrantError('ERR_NOT_OWNER', `lease ${id} belongs to another workload; only its owner may renew it`);
    const provider = this.#d.providers.get(current.provider);
    if (provider === undefined) {
      throw new WarrantError('ERR_LEASE_NOT_RENEWABLE', `lease ${id}'s provider ${quote(current.provider)} is no longer configured`);
    }
    if (!provider.limits.renewable) throw new WarrantError('ERR_LEASE_NOT_RENEWABLE', `provider ${quote(provider.name)} does not renew leases`);
    const increment = incrementMs ?? provider.limits.defaultTtlMs;
    if (increment <= 0) throw new WarrantError('ERR_TTL_INVALID', 'increment must be positive');
    if (increment > provider.limits.maxTtlMs) {
      throw new WarrantError(
        'ERR_TTL_INVALID',
        `increment ${formatDuration(increment)} exceeds provider ${quote(provider.name)}'s maximum of ${formatDuration(provider.limits.maxTtlMs)}`,
      );
    }
    const now = clock.now();
    let wanted = now + increment;
    if (this.#d.options.capToSvidExpiry && standing === 'owner') wanted = Math.min(wanted, caller.svidExpiresAt);
    const lease = await store.renew(id, { expiresAt: wanted, now, ...(standing === 'owner' ? { owner: caller.spiffeId } : {}) });
    const renewed = await provider.renew({ lease, expiresAt: lease.expiresAt }).catch((err: unknown) => {
      throw asProviderError(err, provider.name);
    });
    audit.append({
      type: 'renew',
      workload: who(caller),
      standing,
      lease: leaseRef(lease),
      ...(renewed.credential === undefined ? {} : { credentialHmac: this.#digest(renewed.credential) }),
    });
    this.#d.events.publish({ type: 'renewed', lease, at: clock.now() });
    return { lease, credential: renewed.credential };
  }

  // ── RevokeLease ────────────────────────────────────────────────────────────────────────────
  async revokeLease(caller: Workload, leaseIdText: string, reasonText: string): Promise<Lease> {
    const id = checkLeaseId(leaseIdText);
    const reason = checkReason(reasonText, false);
    const current = await this.#lease(id);
    const standing = this.#d.authority.standing(caller.spiffeId, current.owner);
    if (standing === 'none') throw new WarrantError('ERR_NOT_OWNER', `lease ${id} belongs to another workload; only its owner may revoke it`);
    const trigger: Trigger = standing === 'admin' ? 'operator' : 'owner';
    const lease = await this.#d.revoker.revoke(id, { trigger, ...(reason === undefined ? {} : { reason }) });
    this.#d.audit.append({ type: 'revoke', workload: who(caller), standing, trigger, reason, lease: leaseRef(lease) });
    return lease;
  }

  // ── CompleteTask ───────────────────────────────────────────────────────────────────────────
  async completeTask(caller: Workload, taskIdText: string): Promise<Lease[]> {
    const taskId = checkTaskId(taskIdText, 'task_id');
    const all = await this.#d.store.listByTask(taskId);
    if (all.length === 0) throw new WarrantError('ERR_TASK_NOT_FOUND', `task ${quote(taskId)} has no leases`);
    const mine = all.filter((l) => this.#d.authority.standing(caller.spiffeId, l.owner) !== 'none');
    if (mine.length === 0) throw new WarrantError('ERR_NOT_OWNER', `task ${quote(taskId)} belongs to another workload`);
    const results = await this.#revokeEach(mine, { trigger: 'task_completed' });
    this.#d.audit.append({
      type: 'complete',
      workload: who(caller),
      task: taskId,
      leases: results.map((r) => ({ id: r.lease.id, state: r.lease.state, ...(r.error ? { error: r.error } : {}) })),
    });
    const failed = results.find((r) => r.thrown !== undefined);
    if (failed?.thrown !== undefined && results.every((r) => r.thrown !== undefined)) throw failed.thrown;
    return results.map((r) => r.lease);
  }

  // ── WatchLeases ────────────────────────────────────────────────────────────────────────────
  watch(caller: Workload, taskIdText: string, leaseIds: readonly string[], listener: (event: LeaseEvent) => void): () => void {
    if (taskIdText === '' && leaseIds.length === 0) throw new WarrantError('ERR_INVALID_ARGUMENT', 'name a task_id or at least one lease_id to watch');
    if (taskIdText !== '') checkTaskId(taskIdText, 'task_id');
    if (leaseIds.length > 1000) throw new WarrantError('ERR_INVALID_ARGUMENT', 'at most 1000 lease_ids may be watched at once');
    for (const id of leaseIds) checkLeaseId(id);
    const filter = {
      ...(taskIdText === '' ? {} : { taskId: taskIdText }),
      ...(leaseIds.length === 0 ? {} : { leaseIds }),
    };
    return this.#d.events.subscribe(filter, (event) => {
      if (this.#d.authority.standing(caller.spiffeId, event.lease.owner) !== 'none') listener(event);
    });
  }

  // ── AdminService ───────────────────────────────────────────────────────────────────────────
  async getLease(caller: Workload, leaseIdText: string): Promise<Lease> {
    const id = checkLeaseId(leaseIdText);
    const lease = await this.#lease(id);
    if (!this.#d.authority.isAdmin(caller.spiffeId) && lease.owner !== caller.spiffeId) {
      throw new WarrantError('ERR_PERMISSION_DENIED', `lease ${id} belongs to another workload; only its owner or an admin may read it`);
    }
    return lease;
  }

  async listLeases(caller: Workload, selector: LeaseSelector, pageSize: number, cursor: string): Promise<{ leases: Lease[]; cursor: string }> {
    this.#requireAdmin(caller, 'list leases');
    const size = pageSize === 0 ? 100 : pageSize;
    if (size > 1000) throw new WarrantError('ERR_INVALID_ARGUMENT', 'page_size must be at most 1000');
    const { filter, matches } = compileSelector(selector, true);
    const leases: Lease[] = [];
    let next: string | undefined = cursor === '' ? undefined : cursor;
    do {
      const page = await this.#d.store.list(filter, size, next);
      for (const l of page.leases) if (matches(l) && leases.length < size) leases.push(l);
      next = page.cursor;
      if (leases.length >= size) break;
    } while (next !== undefined);
    return { leases, cursor: next ?? '' };
  }

  async revokeMatching(
    caller: Workload,
    selector: LeaseSelector,
    reasonText: string,
    dryRun: boolean,
    onProgress: (p: RevokeProgress) => void,
  ): Promise<RevokeProgress> {
    this.#requireAdmin(caller, 'revoke matching leases');
    const reason = checkReason(reasonText, true)!;
    const { filter, matches } = compileSelector(selector, false);
    let matched = 0;
    let revoked = 0;
    let failed = 0;
    const sample: Lease[] = [];
    const failures: string[] = [];
    let cursor: string | undefined;
    this.#d.audit.append({ type: 'admin', action: 'revoke_matching', phase: 'start', workload: who(caller), selector: selectorRef(selector), reason, dryRun });
    do {
      const page = await this.#d.store.list(filter, 500, cursor);
      cursor = page.cursor;
      const batch = page.leases.filter((l) => matches(l) && !isTerminal(l.state));
      matched += batch.length;
      if (dryRun) {
        for (const l of batch) if (sample.length < 20) sample.push(l);
      } else {
        const results = await this.#revokeEach(batch, { trigger: 'operator', reason });
        for (const r of results) {
          if (r.error !== undefined) {
            failed++;
            if (failures.length < 100) failures.push(`${r.lease.id}: ${r.error}`);
            if (sample.length < 20) sample.push(r.lease);
          } else revoked++;
        }
      }
      onProgress({ matched, revoked, failed, sample: [], failures: [], done: false });
    } while (cursor !== undefined);
    const summary: RevokeProgress = { matched, revoked, failed, sample, failures, done: true };
    this.#d.audit.append({ type: 'admin', action: 'revoke_matching', phase: 'done', workload: who(caller), reason, dryRun, matched, revoked, failed });
    return summary;
  }

  // ── HTTP: RFC 7662 introspection and JWKS for tokens warrant signs ────────────────────────
  async introspect(token: string): Promise<IntrospectionResponse> {
    if (token.length === 0 || token.length > 8192) return { active: false };
    const now = this.#d.clock.now();
    for (const provider of this.#d.providers.values()) {
      if (!(provider instanceof OAuthJwtProvider)) continue;
      const claims = await provider.verifyAccessToken(token, now);
      if (claims === undefined) continue;
      const lease = await this.#d.store.get(claims.jti);
      if (lease === undefined || lease.state !== 'active' || lease.expiresAt <= now || lease.provider !== provider.name) {
        return { active: false };
      }
      return {
        active: true,
        ...(claims.scope === undefined ? {} : { scope: claims.scope }),
        client_id: claims.client_id,
        sub: claims.sub,
        aud: typeof claims.aud === 'string' ? claims.aud : [...claims.aud],
        iss: claims.iss,
        exp: claims.exp,
        iat: claims.iat,
        jti: claims.jti,
        token_type: 'Bearer',
        task_id: claims.task_id,
      };
    }
    return { active: false };
  }

  jwks(): { keys: unknown[] } {
    const keys: unknown[] = [];
    for (const provider of this.#d.providers.values()) if (provider instanceof OAuthJwtProvider) keys.push(...provider.jwks().keys);
    return { keys };
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────
  #provider(name: string): CredentialProvider {
    const p = this.#d.providers.get(name);
    if (p === undefined) throw new WarrantError('ERR_PROVIDER_NOT_FOUND', `provider ${quote(name)} is not configured on this server`);
    return p;
  }

  async #lease(id: string): Promise<Lease> {
    const lease = await this.#d.store.get(id);
    if (lease === undefined) throw new WarrantError('ERR_LEASE_NOT_FOUND', `lease ${id} does not exist (or its record has aged out)`);
    return lease;
  }

  #ttl(provider: CredentialProvider, ttlMs: number | undefined): number {
    if (ttlMs === undefined) return provider.limits.defaultTtlMs;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new WarrantError('ERR_TTL_INVALID', 'ttl must be positive');
    if (ttlMs < 1000) throw new WarrantError('ERR_TTL_INVALID', 'ttl must be at least 1s');
    if (ttlMs > provider.limits.maxTtlMs) {
      throw new WarrantError(
        'ERR_TTL_INVALID',
        `ttl ${formatDuration(ttlMs)} exceeds provider ${quote(provider.name)}'s maximum of ${formatDuration(provider.limits.maxTtlMs)}`,
      );
    }
    return ttlMs;
  }

  #denied(caller: Workload, provider: string, d: Decision): WarrantError {
    const why =
      d.determiningPolicies.length > 0
        ? `forbidden by policy ${d.determiningPolicies.map((p) => quote(p)).join(', ')}`
        : 'no policy permits it';
    const errors = d.errors.length > 0 ? `; ${d.errors.length} policy evaluation error(s) were logged` : '';
    if (d.errors.length > 0) this.#d.log.warn({ policyErrors: d.errors, policyVersion: d.policyVersion }, 'policy evaluation errors');
    return new WarrantError(
      'ERR_POLICY_DENIED',
      `policy denied issue of ${quote(provider)} to ${caller.spiffeId}: ${why} (policy version ${d.policyVersion})${errors}`,
    );
  }

  #requireAdmin(caller: Workload, what: string): void {
    if (!this.#d.authority.isAdmin(caller.spiffeId)) {
      throw new WarrantError('ERR_PERMISSION_DENIED', `${caller.spiffeId} is not an admin; only configured admin identities may ${what}`);
    }
  }

  #digest(credential: Credential): string {
    switch (credential.kind) {
      case 'oauth_token':
        return this.#d.audit.digestSecret(credential.accessToken);
      case 'aws_session':
        return this.#d.audit.digestSecret(credential.secretAccessKey);
      case 'database_login':
        return this.#d.audit.digestSecret(credential.password);
    }
  }

  async #redeliver(lease: Lease, provider: CredentialProvider): Promise<IssueOutput> {
    if (lease.state === 'pending') {
      throw new WarrantError('ERR_IDEMPOTENCY_IN_PROGRESS', `the first request with this idempotency key is still minting lease ${lease.id}; retry shortly`);
    }
    if (lease.state !== 'active' || provider.redeliver === undefined) return { lease, credential: undefined };
    const credential = await provider.redeliver(lease).catch((err: unknown) => {
      throw asProviderError(err, provider.name);
    });
    return { lease, credential };
  }

  async #abandon(id: string, reason: string): Promise<void> {
    try {
      await this.#d.revoker.revoke(id, { trigger: 'expired', reason });
    } catch (err) {
      this.#d.log.warn({ leaseId: id, err: errorSummary(err) }, 'could not clean up after a failed mint; the reaper will');
    }
  }

  async #revokeEach(
    leases: readonly Lease[],
    opts: { trigger: Trigger; reason?: string },
  ): Promise<{ lease: Lease; error?: string; thrown?: unknown }[]> {
    const out: { lease: Lease; error?: string; thrown?: unknown }[] = new Array(leases.length);
    let next = 0;
    const worker = async () => {
      while (next < leases.length) {
        const i = next++;
        const l = leases[i]!;
        try {
          const lease = isTerminal(l.state) ? l : await this.#d.revoker.revoke(l.id, opts);
          out[i] = lease.state === 'revoking' ? { lease, error: 'provider has not confirmed yet; retrying' } : { lease };
        } catch (err) {
          out[i] = { lease: l, error: errorCode(err), thrown: err };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(REVOKE_CONCURRENCY, leases.length) }, worker));
    return out;
  }
}

function requestDigest(taskId: string, provider: string, scope: readonly string[], ttlMs: number | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([taskId, provider, [...scope].sort(), ttlMs ?? null]))
    .digest('base64url');
}

function errorCode(err: unknown): string {
  return err instanceof WarrantError ? err.code : 'ERR_INTERNAL';
}

function asProviderError(err: unknown, provider: string): WarrantError {
  if (err instanceof WarrantError) return err;
  return new WarrantError('ERR_PROVIDER_FAILED', `provider ${quote(provider)} failed`, { cause: err });
}

function selectorRef(s: LeaseSelector): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(s).filter(([, v]) => v !== '' && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0)),
  );
}

/** Splits a selector into what the store filters and what is checked per lease. */
export function compileSelector(s: LeaseSelector, emptyMeansAll: boolean): { filter: LeaseFilter; matches: (l: Lease) => boolean } {
  const hasAny =
    s.leaseIds.length > 0 ||
    s.taskId !== '' ||
    s.spiffeId !== '' ||
    s.spiffeIdPrefix !== '' ||
    s.trustDomain !== '' ||
    s.provider !== '' ||
    s.issuedBefore !== undefined ||
    s.issuedAfter !== undefined ||
    s.states.length > 0;
  if (!hasAny && !s.all && !emptyMeansAll) {
    throw new WarrantError('ERR_INVALID_ARGUMENT', 'the selector is empty and would match nothing; set all=true to select every lease');
  }
  if (s.spiffeIdPrefix !== '' && !/^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(s.spiffeIdPrefix)) {
    throw new WarrantError('ERR_INVALID_ARGUMENT', `spiffe_id_prefix ${quote(s.spiffeIdPrefix)} is not a SPIFFE ID`);
  }
  for (const id of s.leaseIds) checkLeaseId(id);
  const ids = new Set(s.leaseIds);
  const filter: LeaseFilter = {
    ...(s.spiffeId === '' ? {} : { owner: s.spiffeId }),
    ...(s.taskId === '' ? {} : { taskId: s.taskId }),
    ...(s.provider === '' ? {} : { provider: s.provider }),
    ...(s.states.length === 0 ? {} : { states: s.states }),
  };
  const prefix = s.spiffeIdPrefix;
  const matches = (l: Lease): boolean =>
    (ids.size === 0 || ids.has(l.id)) &&
    (prefix === '' || l.owner === prefix || l.owner.startsWith(`${prefix}/`)) &&
    (s.trustDomain === '' || l.trustDomain === s.trustDomain) &&
    (s.issuedBefore === undefined || l.issuedAt < s.issuedBefore) &&
    (s.issuedAfter === undefined || l.issuedAt > s.issuedAfter);
  return { filter, matches };
}
