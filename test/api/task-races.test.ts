// IssueTaskCredential racing the end of its task, and replicas that saw a task open a while ago: no
// credential of an ended task stays live, whatever the interleaving.
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WarrantClient } from '../../src/client/index.js';
import { DevAuthority } from '../../src/identity/index.js';
import type { CredentialProvider, MintRequest } from '../../src/providers/index.js';
import { AGENT_ID, OPERATOR_ID, TD, startHarness, type Harness } from '../support/harness.js';
import { failure } from '../support/failure.js';

const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Holds mints at a gate while `holding` is set, and says when one is waiting there. */
class HeldMints {
  holding = false;
  #waiting: (() => void) | undefined;
  #arrived: ((leaseId: string) => void) | undefined;
  #revoked = new Set<string>();

  wrap(inner: CredentialProvider): CredentialProvider {
    const held = this;
    return new Proxy(inner, {
      get(target, prop, receiver) {
        // A mint held at a gate does more than compute a token: it runs only once the task has
        // counted the lease (CredentialProvider.localMint), which is the race these tests hold open.
        if (prop === 'localMint') return false;
        if (prop === 'mint') {
          return async (r: MintRequest) => {
            if (held.holding) {
              const gate = new Promise<void>((resolve) => (held.#waiting = resolve));
              held.#arrived?.(r.leaseId);
              await gate;
            }
            return target.mint(r);
          };
        }
        if (prop === 'revoke') {
          return async (r: Parameters<CredentialProvider['revoke']>[0]) => {
            await target.revoke(r);
            held.#revoked.add(r.leaseId);
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** Resolves with the lease id of the next mint that reaches the gate. */
  nextArrival(): Promise<string> {
    return new Promise((resolve) => (this.#arrived = resolve));
  }

  open(): void {
    this.holding = false;
    this.#waiting?.();
    this.#waiting = undefined;
  }

  revokedAtProvider(leaseId: string): boolean {
    return this.#revoked.has(leaseId);
  }
}

const PROVIDERS = {
  'orders-api': {
    kind: 'oauth-jwt',
    issuer: 'https://warrant.test.example',
    audience: 'https://orders-api.test.example',
    scopes: ['orders:read'],
    defaultScopes: ['orders:read'],
    defaultTtl: '5m',
    maxTtl: '1h',
    signingKeyFile: 'orders-api-key.pem',
  },
};

const issue = (client: WarrantClient, taskId: string, budget?: { max_credentials: number; max_concurrent_leases: number }) =>
  client.issueTaskCredential({
    task: { id: taskId, purpose: 'reconcile', attributes: {}, parent_id: '', ...(budget === undefined ? {} : { budget }) },
    provider: 'orders-api',
  });

describe.each(['memory', 'redis'] as const)('IssueTaskCredential racing its task (%s store)', (store) => {
  const mints = new HeldMints();
  let h: Harness;
  let agent: WarrantClient;
  let operator: WarrantClient;

  beforeAll(async () => {
    h = await startHarness({
      providers: PROVIDERS,
      decorateProvider: (p) => mints.wrap(p),
      ...(store === 'redis' ? { redisUrl: REDIS_URL } : {}),
    });
    agent = await h.client(AGENT_ID);
    operator = await h.client(OPERATOR_ID);
  });
  afterEach(() => mints.open());
  afterAll(async () => {
    agent?.close();
    operator?.close();
    await h?.close();
  });

  it('a task completed while its credential is minted: the caller gets ERR_TASK_ENDED and the credential is revoked', async () => {
    await issue(agent, 't-race');
    mints.holding = true;
    const arrived = mints.nextArrival();
    const racing = failure(issue(agent, 't-race'));
    const leaseId = await arrived;
    const completed = await agent.completeTask('t-race');
    // The lease being minted was already counted by the task: the completion revoked it too.
    expect(completed.leases.map((l) => l.id)).toContain(leaseId);
    mints.open();
    expect(await racing).toMatchObject({
      grpcCode: grpc.status.FAILED_PRECONDITION,
      code: 'ERR_TASK_ENDED',
      message: expect.stringMatching(/^task "t-race" was completed at \S+; open a new task$/),
    });
    expect(mints.revokedAtProvider(leaseId)).toBe(true);
    const { leases } = await operator.listLeases({ selector: { task_id: 't-race' } });
    expect(leases.map((l) => l.state)).toEqual(['LEASE_STATE_REVOKED', 'LEASE_STATE_REVOKED']);
  });

  it('a request refused by the task budget leaves no live lease behind', async () => {
    const budget = { max_credentials: 2, max_concurrent_leases: 2 };
    await issue(agent, 't-full', budget);
    await issue(agent, 't-full', budget);
    expect(await failure(issue(agent, 't-full', budget))).toMatchObject({ grpcCode: grpc.status.RESOURCE_EXHAUSTED, code: 'ERR_TASK_BUDGET_EXHAUSTED' });
    const { leases } = await operator.listLeases({ selector: { task_id: 't-full' } });
    // The refused request's pending lease was removed: only the two issued ones are listed.
    expect(leases.map((l) => l.state)).toEqual(['LEASE_STATE_ACTIVE', 'LEASE_STATE_ACTIVE']);
    expect((await agent.getTask('t-full')).task).toMatchObject({ credentials_issued: 2, live_leases: 2 });
  });
});

describe('a replica that saw a task open, after another replica ended it', () => {
  let a: Harness;
  let b: Harness;
  let onA: WarrantClient;
  let onB: WarrantClient;
  let operator: WarrantClient;

  beforeAll(async () => {
    const authority = await DevAuthority.create(TD);
    const keyPrefix = `warrant-test:{races-${Date.now().toString(36)}}:`;
    a = await startHarness({ providers: PROVIDERS, redisUrl: REDIS_URL, keyPrefix, authority });
    b = await startHarness({ providers: PROVIDERS, redisUrl: REDIS_URL, keyPrefix, authority });
    onA = await a.client(AGENT_ID);
    onB = await b.client(AGENT_ID);
    operator = await a.client(OPERATOR_ID);
  });
  afterAll(async () => {
    for (const c of [onA, onB, operator]) c?.close();
    await a?.close();
    await b?.close();
  });

  it('refuses with ERR_TASK_ENDED and mints nothing', async () => {
    await issue(onA, 't-elsewhere');
    await issue(onA, 't-elsewhere');
    await onB.completeTask('t-elsewhere');
    expect(await failure(issue(onA, 't-elsewhere'))).toMatchObject({
      grpcCode: grpc.status.FAILED_PRECONDITION,
      code: 'ERR_TASK_ENDED',
      message: expect.stringMatching(/^task "t-elsewhere" was completed at \S+; open a new task$/),
    });
    // The next request is refused before anything is written.
    const before = (await operator.listLeases({ selector: { task_id: 't-elsewhere' } })).leases.length;
    expect((await failure(issue(onA, 't-elsewhere'))).code).toBe('ERR_TASK_ENDED');
    const { leases } = await operator.listLeases({ selector: { task_id: 't-elsewhere' } });
    expect(leases).toHaveLength(before);
    expect(leases.every((l) => l.state === 'LEASE_STATE_REVOKED')).toBe(true);
  });

  it('a task another replica opened is joined, not reopened', async () => {
    await issue(onB, 't-shared');
    await issue(onA, 't-shared');
    expect((await onA.getTask('t-shared')).task).toMatchObject({ credentials_issued: 2, live_leases: 2 });
  });
});
