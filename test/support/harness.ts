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
import { DevAuthority } from '../../src/identity/index.js';
import { WARRANT_SCHEMA } from '../../src/policy/index.js';
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
}

export interface Harness {
  readonly dir: string;
  readonly server: RunningServer;
  readonly authority: DevAuthority;
  readonly grpcAddress: string;
  readonly httpBase: string;
  readonly logs: string[];
  readonly auditFile: string;
  /** Every key and value this server wrote to Redis, as text (empty for the memory store). */
  redisDump(): Promise<string>;
  client(spiffeId: string, authority?: DevAuthority): Promise<WarrantClient>;
  introspect(token: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'warrant-test-'));
  const authority = await DevAuthority.create(TD);
  const server = await authority.issueX509Svid(SERVER_ID, { ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  writeFileSync(join(dir, 'bundle.pem'), authority.certPem);
  writeFileSync(join(dir, 'server.pem'), server.chainPem);
  writeFileSync(join(dir, 'server-key.pem'), server.keyPem, { mode: 0o600 });
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'schema.cedarschema'), WARRANT_SCHEMA);
  writeFileSync(join(dir, 'policies', 'main.cedar'), options.policy ?? DEFAULT_POLICY);
  writeFileSync(join(dir, 'introspect.secret'), INTROSPECT_SECRET, { mode: 0o600 });

  const keyPrefix = options.keyPrefix ?? `warrant-test:{${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}}:`;
  const config = parseServerConfig(
    {
      grpc: { listen: '127.0.0.1:0', certFile: 'server.pem', keyFile: 'server-key.pem' },
      http: { listen: '127.0.0.1:0' },
      identity: {
        trustBundles: [{ trustDomain: TD, bundleFile: 'bundle.pem' }],
        admins: [OPERATOR_ID],
      },
      policy: { dir: 'policies' },
      store: options.redisUrl === undefined ? { kind: 'memory' } : { kind: 'redis', url: options.redisUrl, keyPrefix },
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
  const running = await startServer(config, { log, ...(options.clock === undefined ? {} : { clock: options.clock }) });
  const grpcAddress = `127.0.0.1:${running.grpcPort}`;
  const httpBase = `http://127.0.0.1:${running.httpPort}`;
  const clients: WarrantClient[] = [];

  return {
    dir,
    server: running,
    authority,
    grpcAddress,
    httpBase,
    logs,
    auditFile: join(dir, 'audit.log'),
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
        const keys = await redis.keys(`${escapeGlob(keyPrefix)}*`);
        let out = '';
        for (const k of keys) {
          const type = await redis.type(k);
          const value =
            type === 'hash' ? await redis.hgetall(k) : type === 'zset' ? await redis.zrange(k, '0', '-1', 'WITHSCORES') : type === 'set' ? await redis.smembers(k) : await redis.get(k);
          out += `${k} ${JSON.stringify(value)}\n`;
        }
        return out;
      } finally {
        redis.disconnect();
      }
    },
    async close() {
      for (const c of clients) c.close();
      await running.close();
      if (options.redisUrl !== undefined) {
        const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await redis.connect();
          const keys = await redis.keys(`${escapeGlob(keyPrefix)}*`);
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

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
