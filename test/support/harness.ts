// Starts a real warrant server (real gRPC over mTLS, real HTTP) on loopback ports with a fresh
// trust domain, and hands out clients whose SVIDs are minted for the test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { WarrantClient } from '../../src/client/index.js';
import { parseServerConfig } from '../../src/config/index.js';
import type { Clock } from '../../src/core/index.js';
import { DevAuthority, DevJwtAuthority, formatSpiffeBundle } from '../../src/identity/index.js';
import { WARRANT_SCHEMA } from '../../src/policy/index.js';
import type { CredentialProvider } from '../../src/providers/index.js';
import { REDACT_PATHS, startServer, type RunningServer } from '../../src/main.js';

export const TD = 'test.example';
export const SERVER_ID = `spiffe://${TD}/warrant`;
export const AGENT_ID = `spiffe://${TD}/agents/alpha`;
export const OTHER_AGENT_ID = `spiffe://${TD}/agents/beta`;
export const OPERATOR_ID = `spiffe://${TD}/operators/ops`;
export const INTROSPECT_SECRET = 'introspection-secret-for-tests-only';

export const DEFAULT_POLICY = `
@id("agents-may-use-orders-api")
permit (principal, action == Action::"issue", resource == Provider::"orders-api")
when { principal.path like "/agents/*" && context.ttlSeconds <= 3600 };

@id("no-prod-for-beta")
forbid (principal == Workload::"${OTHER_AGENT_ID}", action == Action::"issue", resource)
when { context.task.hasTag("environment") && context.task.getTag("environment") == "prod" };
`;

export interface HarnessOptions {
  readonly policy?: string;
  readonly redisUrl?: string;
  readonly keyPrefix?: string;
  readonly reaperInterval?: string;
  readonly pendingTimeout?: string;
  readonly clock?: Clock;
  readonly providers?: Record<string, unknown>;
  /** The config's `tasks` section (deviation threshold, delegation depth, budgets, approvals). */
  readonly tasks?: Record<string, unknown>;
  readonly identity?: HarnessIdentityOptions;
  /** The trust domain's authority, to share one between several servers (replicas). */
  readonly authority?: DevAuthority;
  /** Wraps each provider (fault injection, counting). */
  readonly decorateProvider?: (provider: CredentialProvider) => CredentialProvider;
  /** Keys of the config's `revocation` section. */
  readonly revocation?: Record<string, unknown>;
  /** Keys of the Redis store config besides url and keyPrefix (e.g. shards). */
  readonly redisStore?: Record<string, unknown>;
}

export interface HarnessIdentityOptions {
  /** Publish a JWT authority for TD (its bundle then a SPIFFE bundle) and accept JWT-SVIDs for `audience` (default [SERVER_ID]). */
  readonly jwt?: { readonly audience?: string[]; readonly maxClockSkew?: string };
  /** Further trust domains, each in its own SPIFFE bundle file (see Harness.bundleFile). */
  readonly federated?: readonly { readonly authority: DevAuthority; readonly jwtAuthority?: DevJwtAuthority }[];
  readonly reload?: { readonly debounce: string; readonly pollInterval: string };
  /** Take warrant's own SVID from the SPIFFE Workload API at this address instead of files. */
  readonly workloadApiSocket?: string;
  /** Configure no SVID source at all and set SPIFFE_ENDPOINT_SOCKET to this (the standard's fallback). */
  readonly spiffeEndpointSocketEnv?: string;
}

export interface Harness {
  readonly dir: string;
  readonly server: RunningServer;
  readonly authority: DevAuthority;
  readonly grpcAddress: string;
  readonly httpBase: string;
  readonly logs: string[];
  readonly auditFile: string;
  /** TD's JWT authority, when options.identity.jwt is set. */
  readonly jwtAuthority: DevJwtAuthority | undefined;
  /** The trust bundle file the server reads for a trust domain. */
  bundleFile(trustDomain: string): string;
  /** Every key and value this server wrote to Redis, as text (empty for the memory store). */
  redisDump(): Promise<string>;
  client(spiffeId: string, authority?: DevAuthority): Promise<WarrantClient>;
  introspect(token: string): Promise<Record<string, unknown>>;
  /** Stops the server, keeping its files, ports and store (leases survive it only in Redis). */
  pause(): Promise<void>;
  /** Starts the paused server again on the same ports with the same files and store. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'warrant-test-'));
  const authority = options.authority ?? (await DevAuthority.create(TD));
  const server = await authority.issueX509Svid(SERVER_ID, { ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  writeFileSync(join(dir, 'bundle.pem'), authority.certPem);
  writeFileSync(join(dir, 'server.pem'), server.chainPem);
  writeFileSync(join(dir, 'server-key.pem'), server.keyPem, { mode: 0o600 });
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'schema.cedarschema'), WARRANT_SCHEMA);
  writeFileSync(join(dir, 'policies', 'main.cedar'), options.policy ?? DEFAULT_POLICY);
  writeFileSync(join(dir, 'introspect.secret'), INTROSPECT_SECRET, { mode: 0o600 });
  const ids = options.identity ?? {};
  const jwtAuthority = ids.jwt === undefined ? undefined : DevJwtAuthority.create();
  const bundleFiles = new Map<string, { file: string; format: 'pem' | 'spiffe' }>([[TD, { file: join(dir, 'bundle.pem'), format: 'pem' }]]);
  if (jwtAuthority !== undefined) {
    writeFileSync(join(dir, `${TD}.spiffe.json`), formatSpiffeBundle({ x509Authorities: [authority.certPem], jwtAuthorities: [jwtAuthority] }));
    bundleFiles.set(TD, { file: join(dir, `${TD}.spiffe.json`), format: 'spiffe' });
  }
  for (const f of ids.federated ?? []) {
    const file = join(dir, `${f.authority.trustDomain}.spiffe.json`);
    writeFileSync(file, formatSpiffeBundle({ x509Authorities: [f.authority.certPem], jwtAuthorities: f.jwtAuthority === undefined ? [] : [f.jwtAuthority] }));
    bundleFiles.set(f.authority.trustDomain, { file, format: 'spiffe' });
  }

  const keyPrefix = options.keyPrefix ?? `warrant-test:{${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}}:`;
  const config = parseServerConfig(
    {
      grpc:
        ids.spiffeEndpointSocketEnv !== undefined
          ? { listen: '127.0.0.1:0' }
          : ids.workloadApiSocket === undefined
            ? { listen: '127.0.0.1:0', certFile: 'server.pem', keyFile: 'server-key.pem' }
            : { listen: '127.0.0.1:0', workloadApi: { socket: ids.workloadApiSocket, timeout: '10s' } },
      http: { listen: '127.0.0.1:0' },
      identity: {
        trustBundles: [...bundleFiles].map(([trustDomain, b]) => ({ trustDomain, bundleFile: b.file, format: b.format })),
        admins: [OPERATOR_ID],
        ...(ids.jwt === undefined ? {} : { jwt: { audience: ids.jwt.audience ?? [SERVER_ID], ...(ids.jwt.maxClockSkew === undefined ? {} : { maxClockSkew: ids.jwt.maxClockSkew }) } }),
        ...(ids.reload === undefined ? {} : { reload: ids.reload }),
      },
      policy: { dir: 'policies' },
      store: options.redisUrl === undefined ? { kind: 'memory' } : { kind: 'redis', url: options.redisUrl, keyPrefix, ...options.redisStore },
      ...(options.revocation === undefined ? {} : { revocation: options.revocation }),
      audit: { file: 'audit.log', hmacKeyFile: 'audit-hmac.key' },
      leases: { reaperInterval: options.reaperInterval ?? '100ms', pendingTimeout: options.pendingTimeout ?? '2s' },
      providers: options.providers ?? {
        'orders-api': {
          kind: 'oauth-jwt',
          issuer: 'https://warrant.test.example',
          audience: 'https://orders.test.example',
          scopes: ['orders:read', 'orders:write'],
          defaultScopes: ['orders:read'],
          defaultTtl: '5m',
          maxTtl: '1h',
          signingKeyFile: 'orders-api-key.pem',
        },
      },
      introspection: { clients: [{ id: 'orders-api', secretFile: 'introspect.secret' }] },
      ...(options.tasks === undefined ? {} : { tasks: options.tasks }),
    },
    dir,
    'test config',
  );

  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const log = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  const startOptions = {
    log,
    ...(options.decorateProvider === undefined ? {} : { decorateProvider: options.decorateProvider }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(ids.spiffeEndpointSocketEnv === undefined ? {} : { env: { ...process.env, SPIFFE_ENDPOINT_SOCKET: ids.spiffeEndpointSocketEnv } }),
  };
  let running = await startServer(config, startOptions).catch((err: unknown) => {
    // A test that expects start-up to fail must not leave the temp dir behind.
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  let paused = false;
  const grpcAddress = `127.0.0.1:${running.grpcPort}`;
  const httpBase = `http://127.0.0.1:${running.httpPort}`;
  const clients: WarrantClient[] = [];

  return {
    dir,
    get server() {
      return running;
    },
    authority,
    grpcAddress,
    httpBase,
    logs,
    auditFile: join(dir, 'audit.log'),
    jwtAuthority,
    bundleFile(trustDomain: string) {
      const b = bundleFiles.get(trustDomain);
      if (b === undefined) throw new Error(`no trust bundle file for ${trustDomain}`);
      return b.file;
    },
    async client(spiffeId: string, issuer: DevAuthority = authority) {
      const svid = await issuer.issueX509Svid(spiffeId);
      const c = new WarrantClient({ server: grpcAddress, svidPem: svid.chainPem, svidKeyPem: svid.keyPem, bundlePem: authority.certPem, serverId: SERVER_ID });
      clients.push(c);
      return c;
    },
    async introspect(token: string) {
      const res = await fetch(`${httpBase}/introspect`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`orders-api:${INTROSPECT_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }).toString(),
      });
      return (await res.json()) as Record<string, unknown>;
    },
    async redisDump() {
      if (options.redisUrl === undefined) return '';
      const redis = new Redis(options.redisUrl);
      try {
        const keys = await redis.keys(storeKeysGlob(keyPrefix));
        let out = '';
        for (const k of keys) {
          const type = await redis.type(k);
          const value =
            type === 'hash'
              ? await redis.hgetall(k)
              : type === 'zset'
                ? await redis.zrange(k, '0', '-1', 'WITHSCORES')
                : type === 'set'
                  ? await redis.smembers(k)
                  : type === 'stream'
                    ? await redis.xrange(k, '-', '+')
                    : type === 'list'
                      ? await redis.lrange(k, 0, -1)
                      : await redis.get(k);
          out += `${k} ${JSON.stringify(value)}\n`;
        }
        return out;
      } finally {
        redis.disconnect();
      }
    },
    async pause() {
      await running.close();
      paused = true;
    },
    async resume() {
      const again = { ...config, grpc: { ...config.grpc, listen: grpcAddress }, http: { ...config.http, listen: httpBase.slice('http://'.length) } };
      running = await startServer(again, startOptions);
      paused = false;
    },
    async close() {
      for (const c of clients) c.close();
      if (!paused) await running.close();
      if (options.redisUrl !== undefined) {
        const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await redis.connect();
          const keys = await redis.keys(storeKeysGlob(keyPrefix));
          if (keys.length > 0) await redis.del(...keys);
        } catch {
          // The test may have stopped this Redis on purpose.
        } finally {
          redis.disconnect();
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function readAudit(h: Harness): Record<string, unknown>[] {
  return readFileSync(h.auditFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Polls until `check` returns a value; fails after `timeoutMs`. For waiting on the reaper, not for timing. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every key of a Redis store with this prefix: the prefix's own and its shards' (whose hash tags extend the prefix's). */
export function storeKeysGlob(keyPrefix: string): string {
  return `${escapeGlob(keyPrefix.slice(0, keyPrefix.indexOf('}')))}*`;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
