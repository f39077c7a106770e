import { describe, expect, it } from 'vitest';
import {
  MAX_SPIFFE_ID_BYTES,
  SpiffeIdError,
  parseSpiffeId,
  parseTrustDomain,
  spiffeIdFromSegments,
  type SpiffeIdRule,
} from '../../src/identity/index.js';
import { INVALID, VALID } from './spiffe-id-vectors.js';

function parseError(text: string): SpiffeIdError {
  try {
    parseSpiffeId(text);
  } catch (err) {
    if (err instanceof SpiffeIdError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseSpiffeId vectors', () => {
  it('has at least 40 vectors', () => {
    expect(VALID.length + INVALID.length).toBeGreaterThanOrEqual(40);
  });

  it.each(VALID.map((v) => [v.note, v] as const))('accepts: %s', (_note, vector) => {
    const id = parseSpiffeId(vector.id);
    expect(id.trustDomain).toBe(vector.trustDomain);
    expect(id.path).toBe(vector.path);
    expect(id.toString()).toBe(vector.id);
    expect(`${id}`).toBe(vector.id);
  });

  it.each(INVALID.map((v) => [v.note, v] as const))('rejects: %s', (_note, vector) => {
    const err = parseError(vector.id);
    expect(err.rule).toBe(vector.rule);
    expect(err.name).toBe('SpiffeIdError');
    if (vector.message !== undefined) expect(err.message).toBe(vector.message);
  });
});

describe('every byte value', () => {
  // As go-spiffe's id_test.go does: run each of the 256 byte values through both halves of an ID.
  const tdChars = new Set('abcdefghijklmnopqrstuvwxyz0123456789.-_');
  const pathChars = new Set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_');
  const structural: Record<string, SpiffeIdRule | 'ok'> = { '/': 'ok', '?': 'query', '#': 'fragment', '%': 'percent-encoding' };

  it('in the trust domain', () => {
    for (let code = 0; code < 256; code++) {
      const ch = String.fromCharCode(code);
      const text = `spiffe://a${ch}b/x`;
      const expected: SpiffeIdRule | 'ok' = tdChars.has(ch)
        ? 'ok'
        : (structural[ch] ?? (ch === '@' ? 'userinfo' : ch === ':' ? 'port' : 'trust-domain-char'));
      if (expected === 'ok') expect(parseSpiffeId(text).toString(), `byte ${code}`).toBe(text);
      else expect(parseError(text).rule, `byte ${code}`).toBe(expected);
    }
  });

  it('in a path segment', () => {
    for (let code = 0; code < 256; code++) {
      const ch = String.fromCharCode(code);
      const text = `spiffe://example.org/a${ch}b`;
      const expected = pathChars.has(ch) ? 'ok' : (structural[ch] ?? 'path-char');
      if (expected === 'ok') expect(parseSpiffeId(text).toString(), `byte ${code}`).toBe(text);
      else expect(parseError(text).rule, `byte ${code}`).toBe(expected);
    }
  });
});

describe('SpiffeId value', () => {
  it('is frozen, serialises as its text, and knows its trust domain', () => {
    const id = parseSpiffeId('spiffe://example.org/agent/a');
    expect(Object.isFrozen(id)).toBe(true);
    expect(() => {
      (id as { trustDomain: string }).trustDomain = 'evil.org';
    }).toThrow(TypeError);
    expect(JSON.stringify({ id })).toBe('{"id":"spiffe://example.org/agent/a"}');
    expect(id.isMemberOf('example.org')).toBe(true);
    expect(id.isMemberOf('Example.org')).toBe(false);
    expect(id.isMemberOf('other.org')).toBe(false);
    expect(id.isMemberOf('example.or')).toBe(false);
  });
});

describe('messages', () => {
  it('quote at most the first 64 characters of the input', () => {
    const text = `http://${'x'.repeat(200)}`;
    const err = parseError(text);
    expect(err.rule).toBe('scheme');
    expect(err.message).toBe(
      `invalid SPIFFE ID ${JSON.stringify(text.slice(0, 64))}… (${text.length} characters): it must start with "spiffe://"`,
    );
  });

  it('escape control characters', () => {
    const err = parseError('spiffe://example.org/a\u001b[31mred');
    expect(err.message).toBe(
      'invalid SPIFFE ID "spiffe://example.org/a\\u001b[31mred": the path has character "\\u001b"; path segments use only A-Z a-z 0-9 . - _',
    );
  });

  it('give the length for an over-long ID without quoting all of it', () => {
    const text = `spiffe://example.org/${'a'.repeat(MAX_SPIFFE_ID_BYTES)}`;
    const err = parseError(text);
    expect(err.rule).toBe('too-long');
    expect(err.message).toBe(
      `invalid SPIFFE ID ${JSON.stringify(text.slice(0, 64))}… (${text.length} characters): it is ${text.length} characters; the limit is 2048 bytes (SPIFFE-ID §2.3)`,
    );
  });

  it('reject non-string input as empty', () => {
    expect(() => parseSpiffeId(undefined as unknown as string)).toThrow(SpiffeIdError);
  });
});

describe('parseTrustDomain', () => {
  it('accepts a bare name', () => {
    expect(parseTrustDomain('example.org')).toBe('example.org');
  });

  it.each([
    ['', 'trust-domain-missing', 'invalid trust domain "": the trust domain is empty; expected spiffe://<trust domain>/<path>'],
    ['Example.org', 'trust-domain-char', 'invalid trust domain "Example.org": the trust domain has character "E"; trust domains are lower case'],
    [
      'spiffe://example.org',
      'trust-domain-char',
      'invalid trust domain "spiffe://example.org": the trust domain has character ":"; trust domains use only a-z 0-9 . - _',
    ],
    ['a'.repeat(256), 'trust-domain-too-long', `invalid trust domain ${JSON.stringify('a'.repeat(64))}… (256 characters): the trust domain is 256 bytes; the limit is 255 (SPIFFE-ID §2.3)`],
  ] as const)('rejects %j', (name, rule, message) => {
    try {
      parseTrustDomain(name);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SpiffeIdError);
      expect((err as SpiffeIdError).rule).toBe(rule);
      expect((err as SpiffeIdError).message).toBe(message);
    }
  });
});

describe('spiffeIdFromSegments', () => {
  it('joins segments', () => {
    expect(spiffeIdFromSegments('example.org', ['ns', 'prod']).toString()).toBe('spiffe://example.org/ns/prod');
    expect(spiffeIdFromSegments('example.org', []).toString()).toBe('spiffe://example.org');
  });

  it.each([
    [['a/b'], 'path-char'],
    [[''], 'empty-segment'],
    [['..'], 'dot-segment'],
    [['a b'], 'path-char'],
  ] as const)('rejects segments %j', (segments, rule) => {
    try {
      spiffeIdFromSegments('example.org', segments);
      expect.unreachable();
    } catch (err) {
      expect((err as SpiffeIdError).rule).toBe(rule);
    }
  });
});
