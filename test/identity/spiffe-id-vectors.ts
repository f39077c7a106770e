// SPIFFE ID test vectors as data: the SPIFFE-ID standard's rules and go-spiffe v2's character sets.
import type { SpiffeIdRule } from '../../src/identity/index.js';

export interface ValidVector {
  readonly id: string;
  readonly trustDomain: string;
  readonly path: string;
  readonly note: string;
}

export interface InvalidVector {
  readonly id: string;
  readonly rule: SpiffeIdRule;
  readonly note: string;
  /** the exact message, where a vector pins it */
  readonly message?: string;
}

const TD_255 = `${'a'.repeat(251)}.org`;
const TD_256 = `${'a'.repeat(252)}.org`;
const PREFIX = 'spiffe://example.org/';
const ID_2048 = PREFIX + 'x'.repeat(2048 - PREFIX.length);
const ID_2049 = PREFIX + 'x'.repeat(2049 - PREFIX.length);

export const VALID: readonly ValidVector[] = [
  { id: 'spiffe://example.org', trustDomain: 'example.org', path: '', note: 'trust domain only' },
  { id: 'spiffe://example.org/workload', trustDomain: 'example.org', path: '/workload', note: 'one segment' },
  { id: 'spiffe://example.org/ns/prod/sa/agent', trustDomain: 'example.org', path: '/ns/prod/sa/agent', note: 'Kubernetes style' },
  { id: 'spiffe://staging.example.com/payments/mysql', trustDomain: 'staging.example.com', path: '/payments/mysql', note: 'from SPIFFE-ID §2.2' },
  {
    id: 'spiffe://example.com/9eebccd2-12bf-40a6-b262-65fe0487d453',
    trustDomain: 'example.com',
    path: '/9eebccd2-12bf-40a6-b262-65fe0487d453',
    note: 'opaque path, from SPIFFE-ID §2.2',
  },
  { id: 'spiffe://td/Upper/CASE', trustDomain: 'td', path: '/Upper/CASE', note: 'paths may use upper case' },
  { id: 'spiffe://a_b-c.d/x_y-z.w', trustDomain: 'a_b-c.d', path: '/x_y-z.w', note: 'every punctuation allowed' },
  { id: 'spiffe://0123456789/0123456789', trustDomain: '0123456789', path: '/0123456789', note: 'digits only' },
  { id: 'spiffe://example.org/.../a', trustDomain: 'example.org', path: '/.../a', note: 'three dots is not a dot segment' },
  { id: 'spiffe://example.org/.hidden', trustDomain: 'example.org', path: '/.hidden', note: 'segment starting with a dot' },
  { id: 'spiffe://example.org/a..b', trustDomain: 'example.org', path: '/a..b', note: 'dots inside a segment' },
  { id: 'spiffe://x/y', trustDomain: 'x', path: '/y', note: 'one-character names' },
  { id: `spiffe://${TD_255}/a`, trustDomain: TD_255, path: '/a', note: 'trust domain of exactly 255 bytes' },
  { id: ID_2048, trustDomain: 'example.org', path: ID_2048.slice('spiffe://example.org'.length), note: 'exactly 2048 bytes' },
  { id: 'spiffe://example.org/spiffe/example.org', trustDomain: 'example.org', path: '/spiffe/example.org', note: 'path looks like an ID' },
];

export const INVALID: readonly InvalidVector[] = [
  { id: '', rule: 'empty', note: 'empty', message: 'invalid SPIFFE ID: it is empty; expected spiffe://<trust domain>/<path>' },
  { id: ID_2049, rule: 'too-long', note: 'one byte over 2048' },
  {
    id: 'http://example.org/a',
    rule: 'scheme',
    note: 'wrong scheme',
    message: 'invalid SPIFFE ID "http://example.org/a": it must start with "spiffe://"',
  },
  {
    id: 'SPIFFE://example.org/a',
    rule: 'scheme',
    note: 'upper-case scheme',
    message: 'invalid SPIFFE ID "SPIFFE://example.org/a": the scheme must be lower case "spiffe://"',
  },
  { id: 'Spiffe://example.org/a', rule: 'scheme', note: 'mixed-case scheme' },
  { id: 'spiffe:/example.org/a', rule: 'scheme', note: 'one slash' },
  { id: 'spiffe:example.org/a', rule: 'scheme', note: 'no slashes' },
  { id: 'example.org/a', rule: 'scheme', note: 'no scheme' },
  { id: ' spiffe://example.org/a', rule: 'scheme', note: 'leading space' },
  { id: 'spiffe//example.org/a', rule: 'scheme', note: 'missing colon' },
  {
    id: 'spiffe://user@example.org/a',
    rule: 'userinfo',
    note: 'user info',
    message: 'invalid SPIFFE ID "spiffe://user@example.org/a": user info ("…@") is not allowed before the trust domain (SPIFFE-ID §2.1)',
  },
  { id: 'spiffe://user:pass@example.org/a', rule: 'userinfo', note: 'user info with password (not a port)' },
  {
    id: 'spiffe://example.org:8080/a',
    rule: 'port',
    note: 'port',
    message: 'invalid SPIFFE ID "spiffe://example.org:8080/a": a port or ":" is not allowed in the trust domain (SPIFFE-ID §2.1)',
  },
  { id: 'spiffe://example.org:/a', rule: 'port', note: 'empty port' },
  { id: 'spiffe://[::1]/a', rule: 'port', note: 'IPv6 literal' },
  {
    id: 'spiffe://example.org/a?x=1',
    rule: 'query',
    note: 'query',
    message: 'invalid SPIFFE ID "spiffe://example.org/a?x=1": a query ("?…") is not allowed (SPIFFE-ID §2)',
  },
  { id: 'spiffe://example.org?x', rule: 'query', note: 'query right after the trust domain' },
  { id: 'spiffe://example.org/a?', rule: 'query', note: 'empty query' },
  {
    id: 'spiffe://example.org/a#frag',
    rule: 'fragment',
    note: 'fragment',
    message: 'invalid SPIFFE ID "spiffe://example.org/a#frag": a fragment ("#…") is not allowed (SPIFFE-ID §2)',
  },
  { id: 'spiffe://example.org/a#', rule: 'fragment', note: 'empty fragment' },
  { id: 'spiffe://example.org/a#f?q', rule: 'fragment', note: '"?" inside a fragment is still a fragment' },
  {
    id: 'spiffe://example.org/a%2Fb',
    rule: 'percent-encoding',
    note: 'percent-encoded slash',
    message:
      'invalid SPIFFE ID "spiffe://example.org/a%2Fb": percent-encoding ("%XX") is not allowed; SPIFFE IDs use only letters, digits, ".", "-" and "_" between the slashes',
  },
  { id: 'spiffe://exa%6Dple.org/a', rule: 'percent-encoding', note: 'percent-encoding in the trust domain' },
  {
    id: 'spiffe:///a',
    rule: 'trust-domain-missing',
    note: 'empty trust domain',
    message: 'invalid SPIFFE ID "spiffe:///a": the trust domain is empty; expected spiffe://<trust domain>/<path>',
  },
  { id: 'spiffe://', rule: 'trust-domain-missing', note: 'scheme only' },
  { id: `spiffe://${TD_256}/a`, rule: 'trust-domain-too-long', note: 'trust domain of 256 bytes' },
  {
    id: 'spiffe://Example.org/a',
    rule: 'trust-domain-char',
    note: 'upper-case trust domain',
    message: 'invalid SPIFFE ID "spiffe://Example.org/a": the trust domain has character "E"; trust domains are lower case',
  },
  { id: 'spiffe://EXAMPLE.ORG', rule: 'trust-domain-char', note: 'all upper case' },
  {
    id: 'spiffe://exa mple.org/a',
    rule: 'trust-domain-char',
    note: 'space in trust domain',
    message: 'invalid SPIFFE ID "spiffe://exa mple.org/a": the trust domain has character " "; trust domains use only a-z 0-9 . - _',
  },
  { id: 'spiffe://exämple.org/a', rule: 'trust-domain-char', note: 'non-ASCII in trust domain' },
  { id: 'spiffe://exa+mple.org/a', rule: 'trust-domain-char', note: 'plus in trust domain' },
  { id: 'spiffe://example.org\\a', rule: 'trust-domain-char', note: 'backslash is not a separator' },
  {
    id: 'spiffe://example.org//a',
    rule: 'empty-segment',
    note: 'empty segment',
    message: 'invalid SPIFFE ID "spiffe://example.org//a": the path has an empty segment ("//")',
  },
  { id: 'spiffe://example.org/a//b', rule: 'empty-segment', note: 'empty middle segment' },
  { id: 'spiffe://example.org//', rule: 'empty-segment', note: 'two slashes only' },
  {
    id: 'spiffe://example.org/./a',
    rule: 'dot-segment',
    note: 'dot segment',
    message: 'invalid SPIFFE ID "spiffe://example.org/./a": the path has a "." segment; dot segments are not allowed',
  },
  { id: 'spiffe://example.org/a/..', rule: 'dot-segment', note: 'trailing dot-dot segment' },
  { id: 'spiffe://example.org/a/../b', rule: 'dot-segment', note: 'middle dot-dot segment' },
  { id: 'spiffe://example.org/.', rule: 'dot-segment', note: 'lone dot' },
  {
    id: 'spiffe://example.org/a/',
    rule: 'trailing-slash',
    note: 'trailing slash',
    message: 'invalid SPIFFE ID "spiffe://example.org/a/": the path ends with "/"; remove the trailing slash',
  },
  { id: 'spiffe://example.org/', rule: 'trailing-slash', note: 'root path' },
  {
    id: 'spiffe://example.org/a b',
    rule: 'path-char',
    note: 'space in path',
    message: 'invalid SPIFFE ID "spiffe://example.org/a b": the path has character " "; path segments use only A-Z a-z 0-9 . - _',
  },
  { id: 'spiffe://example.org/pa:th', rule: 'path-char', note: 'colon in path (go-spiffe v1 allowed it)' },
  { id: 'spiffe://example.org/pa@th', rule: 'path-char', note: 'at sign in path' },
  { id: 'spiffe://example.org/p!a$t&h', rule: 'path-char', note: 'sub-delims in path' },
  { id: 'spiffe://example.org/caf\u00e9', rule: 'path-char', note: 'non-ASCII in path' },
  { id: 'spiffe://example.org/a\nb', rule: 'path-char', note: 'newline in path' },
  { id: 'spiffe://example.org/a\u0000', rule: 'path-char', note: 'NUL in path' },
  { id: 'spiffe://example.org/a~b', rule: 'path-char', note: 'tilde (unreserved in RFC 3986, not in SPIFFE)' },
];
