// SPIFFE IDs per the SPIFFE-ID standard (github.com/spiffe/spiffe standards/SPIFFE-ID.md), with the
// character sets go-spiffe v2 enforces. Parsing is by hand, not by URL parsers: those normalise
// (case, dot segments, percent-decoding), and an identity must be compared exactly as written.
import { IdentityError, quoteInput } from './identity-error.js';

/** The rule a text broke, in the order they are checked. */
export type SpiffeIdRule =
  | 'empty'
  | 'too-long'
  | 'scheme'
  | 'userinfo'
  | 'port'
  | 'query'
  | 'fragment'
  | 'percent-encoding'
  | 'trust-domain-missing'
  | 'trust-domain-too-long'
  | 'trust-domain-char'
  | 'empty-segment'
  | 'dot-segment'
  | 'trailing-slash'
  | 'path-char';

export class SpiffeIdError extends IdentityError<SpiffeIdRule> {
  override readonly name = 'SpiffeIdError';
}

/** A parsed, valid SPIFFE ID. Frozen; compare IDs by `toString()`. */
export interface SpiffeId {
  /** lower case, e.g. `example.org` */
  readonly trustDomain: string;
  /** `''` for a trust domain's own ID, else `/seg/seg` with no trailing slash */
  readonly path: string;
  /** `spiffe://<trustDomain><path>` */
  toString(): string;
  toJSON(): string;
  isMemberOf(trustDomain: string): boolean;
}

const SCHEME = 'spiffe://';
/** SPIFFE-ID §2.3: implementations must support 2048 bytes; longer is rejected for interoperability. */
export const MAX_SPIFFE_ID_BYTES = 2048;
/** SPIFFE-ID §2.3, from RFC 3986's limit on a host. */
export const MAX_TRUST_DOMAIN_BYTES = 255;

class ParsedSpiffeId implements SpiffeId {
  readonly trustDomain: string;
  readonly path: string;
  readonly #text: string;

  constructor(trustDomain: string, path: string) {
    this.trustDomain = trustDomain;
    this.path = path;
    this.#text = SCHEME + trustDomain + path;
    Object.freeze(this);
  }

  toString(): string {
    return this.#text;
  }

  toJSON(): string {
    return this.#text;
  }

  isMemberOf(trustDomain: string): boolean {
    return this.trustDomain === trustDomain;
  }
}

type Subject = 'SPIFFE ID' | 'trust domain';

function fail(rule: SpiffeIdRule, text: string, why: string, subject: Subject = 'SPIFFE ID'): SpiffeIdError {
  return new SpiffeIdError(rule, `invalid ${subject} ${quoteInput(text)}: ${why}`);
}

function isTrustDomainChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x2e || // .
    code === 0x2d || // -
    code === 0x5f // _
  );
}

function isPathChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2e ||
    code === 0x2d ||
    code === 0x5f
  );
}

/** Checks a trust domain name; `text` is what the message quotes. */
function checkTrustDomain(name: string, text: string, subject: Subject): SpiffeIdError | undefined {
  if (name.length === 0) {
    return fail('trust-domain-missing', text, 'the trust domain is empty; expected spiffe://<trust domain>/<path>', subject);
  }
  if (name.length > MAX_TRUST_DOMAIN_BYTES) {
    return fail(
      'trust-domain-too-long',
      text,
      `the trust domain is ${name.length} bytes; the limit is ${MAX_TRUST_DOMAIN_BYTES} (SPIFFE-ID §2.3)`,
      subject,
    );
  }
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (isTrustDomainChar(code)) continue;
    const hint = code >= 0x41 && code <= 0x5a ? 'trust domains are lower case' : 'trust domains use only a-z 0-9 . - _';
    return fail('trust-domain-char', text, `the trust domain has character ${JSON.stringify(name.charAt(i))}; ${hint}`, subject);
  }
  return undefined;
}

/** Checks a path that is empty or starts with "/"; `text` is what the message quotes. */
function checkPath(path: string, text: string): SpiffeIdError | undefined {
  if (path.length === 0) return undefined;
  let start = 1;
  while (true) {
    const slash = path.indexOf('/', start);
    const end = slash === -1 ? path.length : slash;
    const last = slash === -1;
    if (end === start) {
      return last
        ? fail('trailing-slash', text, 'the path ends with "/"; remove the trailing slash')
        : fail('empty-segment', text, 'the path has an empty segment ("//")');
    }
    const segment = path.slice(start, end);
    if (segment === '.' || segment === '..') {
      return fail('dot-segment', text, `the path has a ${JSON.stringify(segment)} segment; dot segments are not allowed`);
    }
    for (let i = start; i < end; i++) {
      if (!isPathChar(path.charCodeAt(i))) {
        return fail(
          'path-char',
          text,
          `the path has character ${JSON.stringify(path.charAt(i))}; path segments use only A-Z a-z 0-9 . - _`,
        );
      }
    }
    if (last) return undefined;
    start = slash + 1;
  }
}

/**
 * Parses a SPIFFE ID exactly as written: `spiffe://` in lower case, a lower-case trust domain, and
 * an optional path of non-empty segments. Throws SpiffeIdError naming the broken rule.
 */
export function parseSpiffeId(text: string): SpiffeId {
  if (typeof text !== 'string' || text.length === 0) {
    throw new SpiffeIdError('empty', 'invalid SPIFFE ID: it is empty; expected spiffe://<trust domain>/<path>');
  }
  // UTF-16 length never exceeds UTF-8 length, and only ASCII survives the checks below.
  if (text.length > MAX_SPIFFE_ID_BYTES) {
    throw fail('too-long', text, `it is ${text.length} characters; the limit is ${MAX_SPIFFE_ID_BYTES} bytes (SPIFFE-ID §2.3)`);
  }
  if (!text.startsWith(SCHEME)) {
    const why =
      text.slice(0, SCHEME.length).toLowerCase() === SCHEME
        ? 'the scheme must be lower case "spiffe://"'
        : 'it must start with "spiffe://"';
    throw fail('scheme', text, why);
  }
  const rest = text.slice(SCHEME.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd);

  if (authority.includes('@')) {
    throw fail('userinfo', text, 'user info ("…@") is not allowed before the trust domain (SPIFFE-ID §2.1)');
  }
  if (authority.includes(':')) {
    throw fail('port', text, 'a port or ":" is not allowed in the trust domain (SPIFFE-ID §2.1)');
  }
  const queryOrFragment = tail.search(/[?#]/);
  if (queryOrFragment !== -1) {
    throw tail.charAt(queryOrFragment) === '?'
      ? fail('query', text, 'a query ("?…") is not allowed (SPIFFE-ID §2)')
      : fail('fragment', text, 'a fragment ("#…") is not allowed (SPIFFE-ID §2)');
  }
  if (rest.includes('%')) {
    throw fail('percent-encoding', text, 'percent-encoding ("%XX") is not allowed; SPIFFE IDs use only letters, digits, ".", "-" and "_" between the slashes');
  }
  const tdError = checkTrustDomain(authority, text, 'SPIFFE ID');
  if (tdError) throw tdError;
  const pathError = checkPath(tail, text);
  if (pathError) throw pathError;
  return new ParsedSpiffeId(authority, tail);
}

/** Validates a bare trust domain name (`example.org`, not `spiffe://example.org`) and returns it. */
export function parseTrustDomain(name: string): string {
  if (typeof name !== 'string') {
    throw new SpiffeIdError('trust-domain-missing', 'invalid trust domain: it is not a string');
  }
  const error = checkTrustDomain(name, name, 'trust domain');
  if (error) throw error;
  return name;
}

/** Builds a SPIFFE ID from a trust domain and path segments (each without "/"), checking every rule. */
export function spiffeIdFromSegments(trustDomain: string, segments: readonly string[]): SpiffeId {
  parseTrustDomain(trustDomain);
  for (const segment of segments) {
    if (segment.length === 0) {
      throw new SpiffeIdError('empty-segment', 'invalid SPIFFE ID path segment "": segments may not be empty');
    }
    if (segment.includes('/')) {
      throw new SpiffeIdError('path-char', `invalid SPIFFE ID path segment ${quoteInput(segment)}: a segment may not contain "/"`);
    }
  }
  const path = segments.map((s) => `/${s}`).join('');
  return parseSpiffeId(SCHEME + trustDomain + path);
}
