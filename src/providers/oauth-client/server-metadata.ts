import { WarrantError, type Clock } from '../../core/index.js';
import { quoteForMessage } from '../message-text.js';
import { getJson, isServerBusy, urlForMessage } from './http-exchange.js';

/** What warrant needs of an authorization server's metadata (RFC 8414, or OpenID Connect Discovery). */
export interface ServerMetadata {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  /** RFC 7009; absent when the server cannot revoke tokens. */
  readonly revocationEndpoint?: string;
  /** Absent when the server does not say (then nothing is assumed unsupported). */
  readonly tokenEndpointAuthMethods?: readonly string[];
  readonly revocationEndpointAuthMethods?: readonly string[];
  readonly grantTypes?: readonly string[];
}

// Metadata rarely changes; re-read now and then, and keep using the last copy while a re-read fails.
const REFRESH_MS = 10 * 60_000;

/** Discovers and caches one issuer's metadata. */
export class MetadataCache {
  readonly #issuer: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #provider: string;
  #current: { metadata: ServerMetadata; at: number } | undefined;
  #loading: Promise<ServerMetadata> | undefined;

  constructor(issuer: string, timeoutMs: number, clock: Clock, provider: string) {
    this.#issuer = issuer;
    this.#timeoutMs = timeoutMs;
    this.#clock = clock;
    this.#provider = provider;
  }

  /** The last metadata read, without I/O. */
  known(): ServerMetadata | undefined {
    return this.#current?.metadata;
  }

  async get(): Promise<ServerMetadata> {
    const current = this.#current;
    if (current !== undefined && this.#clock.now() - current.at < REFRESH_MS) return current.metadata;
    this.#loading ??= discover(this.#issuer, this.#timeoutMs, this.#provider).finally(() => {
      this.#loading = undefined;
    });
    try {
      const metadata = await this.#loading;
      this.#current = { metadata, at: this.#clock.now() };
      return metadata;
    } catch (err) {
      if (current !== undefined && err instanceof WarrantError && err.code === 'ERR_PROVIDER_UNAVAILABLE') return current.metadata;
      throw err;
    }
  }
}

/** The metadata URLs to try, RFC 8414's first (§3.1: the well-known part goes before the issuer's path). */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [`${url.origin}/.well-known/oauth-authorization-server${path}`, `${url.origin}${path}/.well-known/openid-configuration`];
}

async function discover(issuer: string, timeoutMs: number, provider: string): Promise<ServerMetadata> {
  const urls = metadataUrls(issuer);
  for (const [i, url] of urls.entries()) {
    const answer = await getJson(url, timeoutMs, provider);
    if (isServerBusy(answer.status)) {
      throw new WarrantError('ERR_PROVIDER_UNAVAILABLE', `provider '${provider}': metadata at ${urlForMessage(url)} answered HTTP ${answer.status}`);
    }
    if (answer.status === 404 && i < urls.length - 1) continue;
    if (answer.status !== 200 || answer.json === undefined) {
      throw failed(provider, `no usable metadata at ${urlForMessage(url)} (HTTP ${answer.status})`);
    }
    return parseMetadata(answer.json, issuer, provider);
  }
  throw failed(provider, `no metadata for issuer ${issuer}`);
}

export function parseMetadata(json: Readonly<Record<string, unknown>>, issuer: string, provider: string): ServerMetadata {
  // RFC 8414 §3.3: metadata for another issuer must not be used (it could be a mix-up attack).
  if (json['issuer'] !== issuer) {
    throw failed(provider, `metadata names issuer ${quoteForMessage(String(json['issuer']))}, not the configured ${issuer}`);
  }
  const endpoint = (key: string, required: boolean): string | undefined => {
    const value = json[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string') throw failed(provider, `metadata has no ${key}`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw failed(provider, `metadata ${key} is not a URL`);
    }
    // Plain http only for an http issuer (a test or loopback server); never a downgrade from https.
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && issuer.startsWith('http:'))) {
      throw failed(provider, `metadata ${key} must be an https URL`);
    }
    return value;
  };
  const list = (key: string): readonly string[] | undefined => {
    const value = json[key];
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? Object.freeze([...value]) : undefined;
  };
  const revocationEndpoint = endpoint('revocation_endpoint', false);
  const tokenAuth = list('token_endpoint_auth_methods_supported');
  const revocationAuth = list('revocation_endpoint_auth_methods_supported');
  const grants = list('grant_types_supported');
  return Object.freeze({
    issuer,
    tokenEndpoint: endpoint('token_endpoint', true)!,
    ...(revocationEndpoint === undefined ? {} : { revocationEndpoint }),
    ...(tokenAuth === undefined ? {} : { tokenEndpointAuthMethods: tokenAuth }),
    ...(revocationAuth === undefined ? {} : { revocationEndpointAuthMethods: revocationAuth }),
    ...(grants === undefined ? {} : { grantTypes: grants }),
  });
}

function failed(provider: string, problem: string): WarrantError {
  return new WarrantError('ERR_PROVIDER_FAILED', `provider '${provider}': ${problem}`);
}
