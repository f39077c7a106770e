import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpiffeIdError, parseSpiffeId, spiffeIdFromSegments } from '../../src/identity/index.js';

const trustDomain = fc.stringMatching(/^[a-z0-9._-]{1,40}$/);
const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/).filter((s) => s !== '.' && s !== '..');
const validId = fc
  .record({ trustDomain, segments: fc.array(segment, { maxLength: 8 }) })
  .map(({ trustDomain: td, segments }) => ({ td, segments, text: `spiffe://${td}${segments.map((s) => `/${s}`).join('')}` }));

// Characters that exercise every branch: the allowed sets, the separators, and near misses.
const spiffeish = fc.string({
  unit: fc.constantFrom(...'spiffe:/aZ09.-_?#%@:[]\\ \u00e9\u0000'.split(''), 'spiffe://', 'example.org', '..', '/'),
  maxLength: 60,
});

function parseOutcome(text: string): 'ok' | 'rejected' {
  try {
    const id = parseSpiffeId(text);
    // Anything accepted must print back exactly as given: no normalisation.
    expect(id.toString()).toBe(text);
    return 'ok';
  } catch (err) {
    if (err instanceof SpiffeIdError) return 'rejected';
    throw err;
  }
}

describe('parseSpiffeId properties', () => {
  it('throws nothing but SpiffeIdError, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), spiffeish), (text) => {
        parseOutcome(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('parse(format(x)) === x for generated valid IDs', () => {
    fc.assert(
      fc.property(validId, ({ td, segments, text }) => {
        const id = parseSpiffeId(text);
        expect(id.toString()).toBe(text);
        expect(id.trustDomain).toBe(td);
        expect(id.path).toBe(segments.map((s) => `/${s}`).join(''));
        expect(spiffeIdFromSegments(td, segments).toString()).toBe(text);
        expect(parseSpiffeId(id.toString()).toString()).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('messages never quote more than 64 characters of the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 65, maxLength: 400 }), (text) => {
        try {
          parseSpiffeId(text);
        } catch (err) {
          expect(err).toBeInstanceOf(SpiffeIdError);
          const prefix = `invalid SPIFFE ID ${JSON.stringify(text.slice(0, 64))}… (${text.length} characters): `;
          const message = (err as Error).message;
          expect(message.startsWith(prefix)).toBe(true);
          // The reason after the quote names at most one offending character, never more input.
          expect(message.length - prefix.length).toBeLessThan(160);
        }
      }),
      { numRuns: 500 },
    );
  });
});
