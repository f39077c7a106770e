import { WarrantError } from '../../core/index.js';
import { quoteForMessage } from '../message-text.js';

// HTTP with the authorization server through Node's fetch: bounded in time and size, redirects
// refused (a token request must reach the endpoint the metadata named, nothing else).

export interface HttpAnswer {
  readonly status: number;
  /** The body parsed as a JSON object, or undefined when it is not one. */
  readonly json: Readonly<Record<string, unknown>> | undefined;
}

const MAX_BODY = 256 * 1024;

export async function postForm(
  url: string,
  params: URLSearchParams,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
  provider: string,
): Promise<HttpAnswer> {
  return exchange(
    url,
    {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: params.toString(),
    },
    timeoutMs,
    provider,
  );
}

export async function getJson(url: string, timeoutMs: number, provider: string): Promise<HttpAnswer> {
  return exchange(url, { method: 'GET', headers: { accept: 'application/json' } }, timeoutMs, provider);
}

async function exchange(url: string, init: RequestInit, timeoutMs: number, provider: string): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw unreachable(url, provider, err);
  }
  let text: string;
  try {
    text = await readLimited(res);
  } catch (err) {
    throw unreachable(url, provider, err);
  }
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    json = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

async function readLimited(res: Response): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw new Error(`response larger than ${MAX_BODY} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function unreachable(url: string, provider: string, err: unknown): WarrantError {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : err instanceof Error ? err.name : 'error';
  return new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider '${provider}': authorization server unreachable at ${urlForMessage(url)} (${code})`, {
    details: { endpoint: urlForMessage(url), error: code },
  });
}

/** A URL for a message: origin and path only, never a query. */
export function urlForMessage(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return quoteForMessage(url);
  }
}

/**
 * The RFC 6749 §5.2 error of a failed call, for a message: the code and description the server
 * gave, quoted and cut. Neither ever holds a credential.
 */
export function oauthErrorText(answer: HttpAnswer): string {
  const code = typeof answer.json?.['error'] === 'string' ? answer.json['error'] : undefined;
  const description = typeof answer.json?.['error_description'] === 'string' ? answer.json['error_description'] : undefined;
  if (code === undefined) return `HTTP ${answer.status}`;
  return `${quoteForMessage(code)}${description === undefined ? '' : `: ${quoteForMessage(description)}`} (HTTP ${answer.status})`;
}

export function oauthErrorCode(answer: HttpAnswer): string | undefined {
  const code = answer.json?.['error'];
  return typeof code === 'string' ? code : undefined;
}

/** 5xx and 429 mean "come back later"; nothing is wrong with the request. */
export function isServerBusy(status: number): boolean {
  return status >= 500 || status === 429;
}
