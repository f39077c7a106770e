import { describe, expect, it } from 'vitest';
import { isLeaseId, leaseIdTime, newLeaseId } from '../../src/core/index.js';

describe('lease ids', () => {
  it('are lower-case ULIDs that carry their time', () => {
    const at = Date.UTC(2026, 11, 6, 1, 30, 0, 123);
    const id = newLeaseId(at);
    expect(isLeaseId(id)).toBe(true);
    expect(leaseIdTime(id)).toBe(at);
  });

  it('stay distinct and spread over every random character across many refills of the random pool', () => {
    const ids = Array.from({ length: 5_000 }, () => newLeaseId(0));
    expect(new Set(ids).size).toBe(ids.length);
    // 80 random bits in 16 characters: each position takes every one of the 32 symbols.
    for (let pos = 10; pos < 26; pos++) expect(new Set(ids.map((id) => id[pos])).size).toBe(32);
  });
});
