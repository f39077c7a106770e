// AWS Signature Version 4 verification, written from the published signing process: canonical
// request, string to sign, derived signing key. For the STS/IAM emulator; it checks what a real
// AWS endpoint checks about a request's signature and nothing more.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  readonly method: string;
  /** Path and query as received, e.g. "/?Action=…" or "/". */
  readonly url: string;
  /** Lower-cased header names, as node:http gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface SigV4Expectation {
  /** "sts" or "iam". */
  readonly service: string;
  /** Regions this endpoint answers for. */
  readonly regions: readonly string[];
  /** Secret of an access key id, and the session token it requires (temporary credentials). */
  readonly secretFor: (accessKeyId: string) => { secret: string; sessionToken?: string } | undefined;
  readonly now: number;
}

export type SigV4Result =
  | { readonly ok: true; readonly accessKeyId: string }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly status: number };

const ALGORITHM = 'AWS4-HMAC-SHA256';
const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 15 * 60_000;

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function canonicalRequest(req: SignedRequest, signedHeaders: readonly string[], payloadHash: string): string {
  const url = new URL(req.url, 'http://emulator');
  // Non-S3 services encode each path segment twice.
  const path = url.pathname === '' ? '/' : url.pathname.split('/').map((s) => uriEncode(uriEncode(decodeURIComponent(s)))).join('/');
  const query = [...url.searchParams]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders.map((h) => `${h}:${(header(req, h) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  return [req.method, path, query, headers, signedHeaders.join(';'), payloadHash].join('\n');
}

export function verifySigV4(req: SignedRequest, expect: SigV4Expectation): SigV4Result {
  const fail = (code: string, message: string, status = 403): SigV4Result => ({ ok: false, code, message, status });
  const auth = header(req, 'authorization');
  if (auth === undefined) return fail('MissingAuthenticationToken', 'Request is missing Authentication Token');
  if (!auth.startsWith(`${ALGORITHM} `)) return fail('IncompleteSignature', `Unsupported algorithm; only ${ALGORITHM} is accepted`);
  const m = AUTH_RE.exec(auth);
  if (m === null) return fail('IncompleteSignature', 'Authorization header is malformed');
  const [, accessKeyId, date, region, service, signedHeadersText, signature] = m as unknown as [string, string, string, string, string, string, string];
  const known = expect.secretFor(accessKeyId);
  if (known === undefined) return fail('InvalidClientTokenId', 'The security token included in the request is invalid.');
  if (service !== expect.service) return fail('SignatureDoesNotMatch', `Credential should be scoped to correct service: '${expect.service}'.`);
  if (!expect.regions.includes(region)) return fail('SignatureDoesNotMatch', `Credential should be scoped to a valid region.`);

  const amzDate = header(req, 'x-amz-date');
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) return fail('IncompleteSignature', 'x-amz-date is missing or malformed');
  if (amzDate.slice(0, 8) !== date) return fail('SignatureDoesNotMatch', 'Credential date does not match x-amz-date');
  const at = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(expect.now - at) > MAX_SKEW_MS) return fail('SignatureDoesNotMatch', 'Signature expired: the request time is too far from the server time');

  const signedHeaders = signedHeadersText.split(';');
  const sorted = [...signedHeaders].sort();
  if (signedHeaders.some((h, i) => h !== sorted[i])) return fail('SignatureDoesNotMatch', 'SignedHeaders must be sorted');
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) return fail('SignatureDoesNotMatch', `'${required}' must be a signed header`);
  }
  const token = header(req, 'x-amz-security-token');
  if (known.sessionToken !== undefined) {
    if (token === undefined || token !== known.sessionToken) return fail('InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (!signedHeaders.includes('x-amz-security-token')) return fail('SignatureDoesNotMatch', "'x-amz-security-token' must be a signed header");
  } else if (token !== undefined) {
    return fail('InvalidClientTokenId', 'The security token included in the request is invalid.');
  }

  const bodyHash = sha256Hex(req.body);
  const declared = header(req, 'x-amz-content-sha256');
  if (declared !== undefined && declared !== bodyHash) return fail('SignatureDoesNotMatch', 'x-amz-content-sha256 does not match the body');
  const canonical = canonicalRequest(req, signedHeaders, declared ?? bodyHash);
  const stringToSign = [ALGORITHM, amzDate, `${date}/${region}/${service}/aws4_request`, sha256Hex(canonical)].join('\n');
  const expected = hmac(signingKey(known.secret, date, region, service), stringToSign);
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  return { ok: true, accessKeyId };
}
