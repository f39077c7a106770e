import { PROVIDER_KINDS, WarrantError, type Clock, type ProviderKind } from '../core/index.js';
import { quoteForMessage } from './message-text.js';
import { OAuthJwtProvider, parseOAuthJwtConfig } from './oauth-jwt/index.js';
import { parseDatabaseConfig } from './database/config.js';
import { MysqlProvider } from './mysql/index.js';
import { PostgresProvider } from './postgres/index.js';
import { AwsStsProvider, parseAwsStsConfig } from './aws-sts/index.js';
import { OAuthClientProvider, parseOAuthClientConfig } from './oauth-client/index.js';
import type { CredentialProvider, ProviderNotice } from './provider.js';

export interface ProviderDeps {
  readonly clock: Clock;
  /** Environment variables a provider's config may name (e.g. adminPasswordEnv); only the composition root reads process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives facts about credentials that belong in the audit log (e.g. a revocation that had to widen). */
  readonly notify?: (notice: ProviderNotice) => void;
}

/** One built-in kind: validates its own config, then builds the provider from it. */
interface ProviderKindEntry {
  check(raw: unknown, path: string): void;
  build(name: string, raw: unknown, path: string, deps: ProviderDeps): Promise<CredentialProvider>;
}

function providerKind<C>(
  parse: (raw: unknown, path: string) => C,
  create: (name: string, config: C, deps: ProviderDeps) => Promise<CredentialProvider>,
): ProviderKindEntry {
  return {
    check: (raw, path) => void parse(raw, path),
    build: (name, raw, path, deps) => create(name, parse(raw, path), deps),
  };
}

// Built-in kinds, registered explicitly. A kind in PROVIDER_KINDS that is missing here is declared
// but not built yet.
const BUILT_IN: ReadonlyMap<ProviderKind, ProviderKindEntry> = new Map([
  ['oauth-jwt', providerKind(parseOAuthJwtConfig, (name, config, deps) => OAuthJwtProvider.create(name, config, deps))],
  ['postgres', providerKind((raw, path) => parseDatabaseConfig(raw, path, 'postgres'), (name, config, deps) => PostgresProvider.create(name, config, deps))],
  ['mysql', providerKind((raw, path) => parseDatabaseConfig(raw, path, 'mysql'), (name, config, deps) => MysqlProvider.create(name, config, deps))],
  ['aws-sts', providerKind(parseAwsStsConfig, (name, config, deps) => AwsStsProvider.create(name, config, deps))],
  ['oauth-client', providerKind(parseOAuthClientConfig, (name, config, deps) => OAuthClientProvider.create(name, config, deps))],
]);

const PROVIDER_NAME_RE = /^[a-z][a-z0-9-]{0,62}$/;

/** The provider kinds this build can construct. */
export function availableProviderKinds(): readonly ProviderKind[] {
  return PROVIDER_KINDS.filter((kind) => BUILT_IN.has(kind));
}

/**
 * Validates `providers.<name>` without building it: no key file is read or written. For config
 * checks that must have no side effects.
 */
export function validateProviderConfig(name: string, raw: unknown): void {
  const { entry, path } = lookUp(name, raw);
  commonProviderOptions(name, raw);
  entry.check(kindConfig(raw), path);
}

/** Validates `providers.<name>` and builds the provider of its kind. Errors are ERR_CONFIG naming the key. */
export async function buildProvider(name: string, raw: unknown, deps: ProviderDeps): Promise<CredentialProvider> {
  const { entry, path } = lookUp(name, raw);
  commonProviderOptions(name, raw);
  return entry.build(name, kindConfig(raw), path, deps);
}

/** Keys every provider kind accepts. They are about warrant's handling of the leases, not the kind. */
export interface CommonProviderOptions {
  /** Overrides leases.capToSvidExpiry for this provider's leases: false lets them outlive the caller's SVID. */
  readonly capToSvidExpiry?: boolean;
}

const COMMON_KEYS: ReadonlySet<string> = new Set(['capToSvidExpiry']);

/** Reads the common keys of `providers.<name>`; the kind's own strict schema never sees them. */
export function commonProviderOptions(name: string, raw: unknown): CommonProviderOptions {
  const { path } = lookUp(name, raw);
  const cap = (raw as Record<string, unknown>)['capToSvidExpiry'];
  if (cap === undefined) return {};
  if (typeof cap !== 'boolean') throw new WarrantError('ERR_CONFIG', `${path}.capToSvidExpiry: must be true or false`);
  return { capToSvidExpiry: cap };
}

function kindConfig(raw: unknown): unknown {
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([key]) => !COMMON_KEYS.has(key)));
}

function lookUp(name: string, raw: unknown): { entry: ProviderKindEntry; path: string } {
  if (typeof name !== 'string' || !PROVIDER_NAME_RE.test(name)) {
    throw new WarrantError(
      'ERR_CONFIG',
      `providers: invalid provider name ${quoteForMessage(String(name))}: use 1-63 lower-case letters, digits and '-', starting with a letter`,
    );
  }
  const path = `providers.${name}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new WarrantError('ERR_CONFIG', `${path}: must be a mapping`);
  }
  const kind: unknown = (raw as { kind?: unknown }).kind;
  const supported = `supported kinds: ${availableProviderKinds().join(', ')}`;
  if (kind === undefined) throw new WarrantError('ERR_CONFIG', `${path}.kind: is required (${supported})`);
  if (typeof kind !== 'string') {
    throw new WarrantError('ERR_CONFIG', `${path}.kind: must be a string (${supported})`);
  }
  if (!(PROVIDER_KINDS as readonly string[]).includes(kind)) {
    throw new WarrantError('ERR_CONFIG', `${path}.kind: unknown provider kind ${quoteForMessage(kind)} (${supported})`);
  }
  const entry = BUILT_IN.get(kind as ProviderKind);
  if (entry === undefined) {
    throw new WarrantError('ERR_CONFIG', `${path}.kind: provider kind '${kind}' is not available in this build`);
  }
  return { entry, path };
}
