// A WarrantService assembled from real parts (memory store, Cedar, oauth-jwt, file audit) with a
// fault-injecting wrapper around the provider, for failure paths that are hard to reach over gRPC.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FileAuditLog } from '../../src/audit/index.js';
import { ManualClock, WarrantError, type Lease } from '../../src/core/index.js';
import type { Workload } from '../../src/identity/index.js';
import { LeaseEventBus, MemoryLeaseStore } from '../../src/leases/index.js';
import { PolicyEngine, WARRANT_SCHEMA } from '../../src/policy/index.js';
import { OAuthJwtProvider, parseOAuthJwtConfig, type CredentialProvider, type MintRequest, type RevokeRequest } from '../../src/providers/index.js';
import { MassRevocation, Reaper, Revoker } from '../../src/revocation/index.js';
import { Authority, WarrantService } from '../../src/service/index.js';

export const AGENT: Workload = {
  spiffeId: 'spiffe://svc.example/agents/a',
  trustDomain: 'svc.example',
  path: '/agents/a',
  method: 'x509-svid',
  svidExpiresAt: Date.UTC(2026, 0, 2),
};

/** Wraps a real provider; tests switch faults on and count calls. */
export class FaultyProvider implements CredentialProvider {
  readonly inner: CredentialProvider;
  failMint: WarrantError | undefined;
  failRevoke: WarrantError | undefined;
  readonly revoked: string[] = [];
  mints = 0;
  /** Claims CredentialProvider.localMint (the inner oauth-jwt provider mints nothing outside the process). */
  localMint = false;
  constructor(inner: CredentialProvider) {
    this.inner = inner;
  }
  get name() {
    return this.inner.name;
  }
  get kind() {
    return this.inner.kind;
  }
  get limits() {
    return this.inner.limits;
  }
  handleFor(id: string) {
    return this.inner.handleFor(id);
  }
  resolveScope(s: readonly string[]) {
    return this.inner.resolveScope(s);
  }
  async mint(r: MintRequest) {
    this.mints++;
    if (this.failMint) throw this.failMint;
    return this.inner.mint(r);
  }
  renew(r: Parameters<CredentialProvider['renew']>[0]) {
    return this.inner.renew(r);
  }
  async revoke(r: RevokeRequest) {
    if (this.failRevoke) throw this.failRevoke;
    this.revoked.push(r.handle);
    return this.inner.revoke(r);
  }
  close() {
    return this.inner.close();
  }
}

export async function serviceFixture() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const dir = mkdtempSync(join(tmpdir(), 'warrant-svc-'));
  const policy = PolicyEngine.fromTexts(
    [{ name: 'p.cedar', text: '@id("agents") permit (principal, action == Action::"issue", resource) when { principal.path like "/agents/*" };' }],
    WARRANT_SCHEMA,
  );
  const inner = await OAuthJwtProvider.create(
    'api',
    parseOAuthJwtConfig({ kind: 'oauth-jwt', issuer: 'https://w.example', audience: 'https://api.example', scopes: ['read'] }, 'providers.api'),
    { clock },
  );
  const provider = new FaultyProvider(inner);
  const store = new MemoryLeaseStore();
  const events = new LeaseEventBus();
  const log = pino({ level: 'silent' });
  const audit = await FileAuditLog.open(join(dir, 'audit.log'), Buffer.alloc(32, 7));
  const providers = new Map<string, CredentialProvider>([['api', provider]]);
  // Jitter pinned to its middle: retry delays are then 0.75 s, 1.5 s, 3 s, … after the 1st, 2nd, 3rd failure.
  const revoker = new Revoker({ store, providers, clock, log }, { retryBaseMs: 1000, random: () => 0.5 });
  const reaper = new Reaper({ store, revoker, clock, log }, { intervalMs: 1000, pendingTimeoutMs: 60_000 });
  const massRevocation = new MassRevocation({ store, revoker, clock, log, replicaId: 'test' });
  const service = new WarrantService({
    store,
    events,
    policy: () => policy,
    providers,
    revoker,
    massRevocation,
    audit,
    authority: new Authority([], []),
    clock,
    log,
    options: { idempotencyWindowMs: 3_600_000, capToSvidExpiry: true },
  });
  const issue = (taskId: string) =>
    service.issue(AGENT, { task: { id: taskId, purpose: '', attributes: {}, parentId: '' }, provider: 'api', scope: [], ttlMs: 60_000, idempotencyKey: '' });
  const leasesOf = (taskId: string): Promise<Lease[]> => store.listByTask(taskId);
  /** The audit records so far, in order. */
  const auditRecords = async (): Promise<Record<string, unknown>[]> => {
    await audit.flush();
    return readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return { clock, store, provider, reaper, revoker, service, issue, leasesOf, audit, auditRecords, events };
}
