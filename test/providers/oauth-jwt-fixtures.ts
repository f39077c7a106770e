import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, WarrantError, newLeaseId, type Lease } from '../../src/core/index.js';
import { OAuthJwtProvider, parseOAuthJwtConfig, type MintRequest } from '../../src/providers/index.js';

export const ISSUER = 'https://warrant.example.test';
export const OWNER = 'spiffe://example.test/agent/planner';
export const TASK = 'task-7f3a';
export const START = Date.UTC(2026, 0, 1, 12, 0, 0);

export const baseRaw = {
  kind: 'oauth-jwt',
  issuer: ISSUER,
  audience: 'https://orders.example.test',
  scopes: ['orders:read', 'orders:write', 'invoices:read'],
  defaultScopes: ['orders:read'],
} as const;

export async function makeProvider(
  overrides: Record<string, unknown> = {},
  clock: ManualClock = new ManualClock(START),
  name = 'orders-api',
): Promise<{ provider: OAuthJwtProvider; clock: ManualClock }> {
  const config = parseOAuthJwtConfig({ ...baseRaw, ...overrides }, `providers.${name}`);
  return { provider: await OAuthJwtProvider.create(name, config, { clock }), clock };
}

export function mintRequest(clock: ManualClock, overrides: Partial<MintRequest> = {}): MintRequest {
  const issuedAt = clock.now();
  return {
    leaseId: newLeaseId(issuedAt),
    owner: OWNER,
    trustDomain: 'example.test',
    taskId: TASK,
    scope: ['orders:read'],
    issuedAt,
    expiresAt: issuedAt + 300_000,
    ...overrides,
  };
}

export function leaseFor(request: MintRequest, provider: string, overrides: Partial<Lease> = {}): Lease {
  return {
    id: request.leaseId,
    state: 'active',
    owner: request.owner,
    trustDomain: request.trustDomain,
    taskId: request.taskId,
    provider,
    providerKind: 'oauth-jwt',
    scope: request.scope,
    handle: request.leaseId,
    issuedAt: request.issuedAt,
    expiresAt: request.expiresAt,
    maxExpiresAt: request.issuedAt + 3_600_000,
    renewals: 0,
    ...overrides,
  };
}

/** The JSON of one segment of a compact JWS. */
export function decodeSegment(token: string, index: 0 | 1): unknown {
  const part = token.split('.')[index];
  if (part === undefined) throw new Error('not a compact JWS');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Runs fn and returns the WarrantError it throws (fails the test if it throws nothing else). */
export async function warrantErrorOf(fn: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof WarrantError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a WarrantError, nothing was thrown');
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'warrant-providers-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
