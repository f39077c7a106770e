import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileAuditLog, loadOrCreateHmacKey, verifyChain } from '../../src/audit/index.js';

const dir = () => mkdtempSync(join(tmpdir(), 'warrant-audit-'));

describe('audit log', () => {
  it('chains records across reopen and detects an edited or removed line', async () => {
    const d = dir();
    const file = join(d, 'audit.log');
    const key = Buffer.alloc(32, 1);
    const a = await FileAuditLog.open(file, key);
    a.append({ type: 'decision', allowed: true });
    a.append({ type: 'issue', lease: 'l1' });
    await a.close();
    const b = await FileAuditLog.open(file, key);
    b.append({ type: 'revoke', lease: 'l1' });
    await b.close();

    const text = readFileSync(file, 'utf8');
    expect(verifyChain(text)).toEqual({ ok: true, records: 3 });
    const lines = text.trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2, 3]);

    const edited = [lines[0], lines[1]!.replace('"l1"', '"l2"'), lines[2]].join('\n');
    expect(verifyChain(edited)).toMatchObject({ ok: false, brokenAt: 2, problem: 'hash does not match the record' });
    const removed = [lines[0], lines[2]].join('\n');
    expect(verifyChain(removed)).toMatchObject({ ok: false, brokenAt: 2, problem: 'prev does not match the previous record' });
  });

  it('appends many records at once into the same chain, in order, with one timestamp', async () => {
    const d = dir();
    const file = join(d, 'audit.log');
    const log = await FileAuditLog.open(file, Buffer.alloc(32, 2));
    log.append({ type: 'issue', lease: 'l0' });
    log.appendMany([
      { type: 'revoke', phase: 'confirmed', lease: { id: 'l1' } },
      { type: 'revoke', phase: 'confirmed', lease: { id: 'l2' } },
    ]);
    log.appendMany([]);
    log.append({ type: 'admin', action: 'revoke_matching' });
    await log.close();
    const text = readFileSync(file, 'utf8');
    expect(verifyChain(text)).toEqual({ ok: true, records: 4 });
    const records = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number; ts: string; lease?: unknown });
    expect(records.map((r) => [r.seq, r.lease])).toEqual([[1, 'l0'], [2, { id: 'l1' }], [3, { id: 'l2' }], [4, undefined]]);
    expect(records[1]!.ts).toBe(records[2]!.ts);
  });

  it('writes each record as JSON of its envelope and event, chained, whatever fields the event names', async () => {
    const file = join(dir(), 'audit.log');
    const log = await FileAuditLog.open(file, Buffer.alloc(32, 3));
    log.append({ type: 'admin' });
    log.append({ type: 'issue', lease: { id: 'l1', scope: ['a "quoted" \\ scope', 'ünï'] }, ttlMs: 5 });
    // An event naming an envelope field: stringified whole, the chain still holds.
    log.append({ type: 'admin', seq: 99, prev: 'forged', hash: 'forged' });
    await log.close();
    const text = readFileSync(file, 'utf8');
    expect(verifyChain(text)).toEqual({ ok: true, records: 3 });
    const [first, second] = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(first!)).toEqual(['seq', 'ts', 'type', 'prev', 'hash']);
    expect(second).toEqual({ seq: 2, ts: expect.any(String), type: 'issue', lease: { id: 'l1', scope: ['a "quoted" \\ scope', 'ünï'] }, ttlMs: 5, prev: first!['hash'], hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('digests secrets with a per-deployment key created 0600', async () => {
    const d = dir();
    const keyFile = join(d, 'hmac.key');
    const key = await loadOrCreateHmacKey(keyFile);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect((await loadOrCreateHmacKey(keyFile)).equals(key)).toBe(true);
    const log = await FileAuditLog.open(join(d, 'a.log'), key);
    const digest = log.digestSecret('super-secret-token');
    expect(digest).not.toContain('super-secret');
    expect(digest).toHaveLength(43);
    await log.close();
    writeFileSync(keyFile, 'c2hvcnQ\n');
    await expect(loadOrCreateHmacKey(keyFile)).rejects.toThrow('shorter than 32 bytes');
  });
});
