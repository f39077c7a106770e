import { describe, expect, it } from 'vitest';
import { newLeaseId } from '../../src/core/index.js';
import {
  DenyPolicyFormatError,
  addDeny,
  fitDenyPolicy,
  isDenied,
  parseDenyPolicy,
  policySize,
  pruneDenies,
  renderDenyPolicy,
} from '../../src/providers/aws-sts/deny-policy.js';
import { sessionNameFor } from '../../src/providers/aws-sts/session-identity.js';

const NOW = Date.UTC(2026, 10, 23, 17, 51, 32, 400);
const WINDOW = { mintWindowMs: 65_000, skewMs: 5_000 };
const session = (issuedAt: number) => sessionNameFor(newLeaseId(issuedAt));

describe('the revocation policy of a role', () => {
  it('denies a session by aws:userid until its bucket, and renders compact JSON', () => {
    const policy = parseDenyPolicy(undefined);
    const name = session(NOW - 60_000);
    addDeny(policy, name, NOW + 14 * 60_000);
    expect(renderDenyPolicy(policy)).toBe(
      `{"Version":"2012-10-17","Statement":[{"Sid":"WarrantRevokedUntil202611231810","Effect":"Deny","Action":"*","Resource":"*",` +
        `"Condition":{"StringLike":{"aws:userid":"*:${name}"}}}]}`,
    );
    expect(isDenied(policy, name, WINDOW)).toBe(true);
    expect(isDenied(policy, session(NOW), WINDOW)).toBe(false);
  });

  it('reads back what it wrote and keeps statements it did not write', () => {
    const foreign = { Sid: 'OpsBreakGlass', Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' };
    const a = session(NOW - 120_000);
    const b = session(NOW - 60_000);
    const policy = parseDenyPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [foreign] }));
    addDeny(policy, a, NOW + 60_000);
    addDeny(policy, b, NOW + 61_000);
    addDeny(policy, b, NOW + 30 * 60_000);
    const again = parseDenyPolicy(renderDenyPolicy(policy));
    expect(again.foreign).toStrictEqual([foreign]);
    expect([...again.buckets].map(([at, set]) => [new Date(at).toISOString(), [...set].sort()])).toStrictEqual([
      ['2026-11-23T17:55:00.000Z', [`*:${a}`, `*:${b}`].sort()],
      ['2026-11-23T18:25:00.000Z', [`*:${b}`]],
    ]);
    expect(renderDenyPolicy(again)).toBe(renderDenyPolicy(policy));
  });

  it('prunes denies whose sessions have expired, and deletes the policy when nothing is left', () => {
    const policy = parseDenyPolicy(undefined);
    addDeny(policy, session(NOW - 60_000), NOW + 60_000);
    pruneDenies(policy, NOW + 5 * 60_000, WINDOW);
    expect(policy.buckets.size).toBe(0);
    expect(renderDenyPolicy(policy)).toBeUndefined();
  });

  it('merges statements before it widens when the policy would not fit', () => {
    const policy = parseDenyPolicy(undefined);
    for (let i = 0; i < 6; i++) addDeny(policy, session(NOW - 60_000), NOW + i * 10 * 60_000 + 1);
    const separate = policySize(renderDenyPolicy(policy)!);
    expect(fitDenyPolicy(policy, separate - 100, NOW, WINDOW)).toBe('fits');
    expect(policy.buckets.size).toBeLessThan(6);
    expect(policy.issuedBefore).toBeUndefined();
    // Every session stays denied, none for less time than before.
    expect([...policy.buckets.values()].reduce((n, s) => n + s.size, 0)).toBe(6);
  });

  it('widens to a role-wide deny of sessions issued before now (less the skew), keeping recent ones by name', () => {
    const policy = parseDenyPolicy(undefined);
    const old = Array.from({ length: 40 }, () => session(NOW - 30 * 60_000));
    const recent = session(NOW - 10_000);
    for (const name of old) addDeny(policy, name, NOW + 20 * 60_000);
    addDeny(policy, recent, NOW + 20 * 60_000);
    expect(fitDenyPolicy(policy, 1024, NOW, WINDOW)).toBe('widened');
    expect(new Date(policy.issuedBefore!).toISOString()).toBe('2026-11-23T17:51:27.000Z');
    expect([...policy.buckets.values()].flatMap((s) => [...s])).toStrictEqual([`*:${recent}`]);
    for (const name of [...old, recent]) expect(isDenied(policy, name, WINDOW)).toBe(true);
    expect(isDenied(policy, session(NOW), WINDOW)).toBe(false);
    const document = renderDenyPolicy(policy)!;
    expect(document).toContain(
      '{"Sid":"WarrantRevokedIssuedBefore20261123175127","Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-11-23T17:51:27Z"},"StringLike":{"aws:userid":"*:warrant-*"}}}',
    );
    expect(parseDenyPolicy(document).issuedBefore).toBe(policy.issuedBefore);
  });

  it('reaches ahead to now + mint window when even the sessions of the last minute do not fit by name', () => {
    const policy = parseDenyPolicy(undefined);
    const recent = Array.from({ length: 60 }, () => session(NOW - 5_000));
    for (const name of recent) addDeny(policy, name, NOW + 20 * 60_000);
    expect(fitDenyPolicy(policy, 1024, NOW, WINDOW)).toBe('widened-ahead');
    expect(new Date(policy.issuedBefore!).toISOString()).toBe('2026-11-23T17:52:38.000Z');
    expect(policy.buckets.size).toBe(0);
    for (const name of [...recent, session(NOW)]) expect(isDenied(policy, name, WINDOW)).toBe(true);
  });

  it('drops a role-wide deny once nothing issued before it can be alive', () => {
    const policy = parseDenyPolicy(undefined);
    policy.issuedBefore = NOW;
    pruneDenies(policy, NOW + 12 * 3_600_000 - 1, WINDOW);
    expect(policy.issuedBefore).toBe(NOW);
    pruneDenies(policy, NOW + 12 * 3_600_000, WINDOW);
    expect(policy.issuedBefore).toBeUndefined();
  });

  it.each([
    ['not json', 'it is not JSON'],
    ['{"Version":"2012-10-17"}', 'it has no Statement'],
    ['{"Statement":[{"Sid":"WarrantRevokedUntil202611231810","Effect":"Deny"}]}', 'statement WarrantRevokedUntil202611231810 has no aws:userid list'],
  ])('refuses to extend %j', (document, problem) => {
    expect(() => parseDenyPolicy(document)).toThrow(new DenyPolicyFormatError(problem));
  });
});
