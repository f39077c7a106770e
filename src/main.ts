// The composition root: builds every component from config and wires them. The only module that
// reads environment variables.
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { PeerIdentity, TlsSource, startGrpcServer, startHttpServer, type RunningGrpcServer, type RunningHttpServer } from './api/index.js';
import { FileAuditLog, loadOrCreateHmacKey, type AuditLog } from './audit/index.js';
import type { ServerConfig } from './config/index.js';
import { WarrantError, systemClock, type Clock } from './core/index.js';
import { TrustBundleSet } from './identity/index.js';
import { DEFAULT_KEY_PREFIX, LeaseEventBus, MemoryLeaseStore, RedisLeaseStore, createRedisClient, type LeaseStore } from './leases/index.js';
import { PolicyEngine } from './policy/index.js';
import { buildProvider, type CredentialProvider } from './providers/index.js';
import { Reaper, Revoker } from './revocation/index.js';
import { Authority, WarrantService } from './service/index.js';

export interface StartOptions {
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Overrides config.store with a Redis store at this URL (REDIS_URL). */
  readonly redisUrl?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly service: WarrantService;
  readonly store: LeaseStore;
  readonly reaper: Reaper;
  readonly tls: TlsSource;
  readonly audit: AuditLog;
  readonly log: Logger;
  close(): Promise<void>;
}

/** Log redaction: no secret-bearing field reaches a log line even if passed by mistake. */
export const REDACT_PATHS = [
  'credential',
  '*.credential',
  'accessToken',
  '*.accessToken',
  '*.access_token',
  'password',
  '*.password',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
];

export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { service: 'warrant' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}

function readSecretFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new WarrantError('ERR_CONFIG', `cannot read ${what} from ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Logs Redis connection errors at most once per interval: a reconnect loop must not flood the log. */
function throttledRedisErrors(log: Logger, intervalMs = 10_000): (err: Error) => void {
  let last = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log.warn({ err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, 'redis connection error; leases calls fail as UNAVAILABLE until it is back');
  };
}

async function openStore(config: ServerConfig, options: StartOptions, log: Logger): Promise<LeaseStore> {
  const env = options.env ?? process.env;
  const retention = config.leases.terminalRetention;
  if (options.redisUrl !== undefined) {
    const client = await createRedisClient(options.redisUrl, { connectionName: 'warrant', onError: throttledRedisErrors(log) });
    log.info({ store: 'redis' }, 'lease store: redis (from REDIS_URL)');
    return new RedisLeaseStore(client, { keyPrefix: DEFAULT_KEY_PREFIX, terminalRetentionMs: retention, closeClient: true });
  }
  if (config.store.kind === 'memory') {
    log.warn('lease store: in-memory; leases are lost on restart (use store.kind redis in production)');
    return new MemoryLeaseStore();
  }
  const password =
    config.store.passwordFile !== undefined ? readSecretFile(config.store.passwordFile, 'the Redis password') : env['REDIS_PASSWORD'];
  const url = new URL(config.store.url);
  if (password !== undefined && password !== '') url.password = encodeURIComponent(password);
  const client = await createRedisClient(url.toString(), { connectionName: 'warrant', onError: throttledRedisErrors(log) });
  log.info({ store: 'redis', keyPrefix: config.store.keyPrefix }, 'lease store: redis');
  return new RedisLeaseStore(client, { keyPrefix: config.store.keyPrefix, terminalRetentionMs: retention, closeClient: true });
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger();
  const clock = options.clock ?? systemClock;
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'error while closing'));
  };
  try {
    const bundles = await TrustBundleSet.fromFiles(config.identity.trustBundles);
    const policy = await PolicyEngine.loadDir(config.policy.dir, { groups: config.policy.groups });
    log.info({ policyVersion: policy.version, policies: policy.policyCount }, 'policy loaded');

    const providers = new Map<string, CredentialProvider>();
    for (const [name, raw] of Object.entries(config.providers)) {
      const provider = await buildProvider(name, raw, { clock });
      providers.set(name, provider);
      closers.push(() => provider.close());
    }

    const store = await openStore(config, options, log);
    closers.push(() => store.close());

    const hmacKey = await loadOrCreateHmacKey(config.audit.hmacKeyFile);
    const audit = await FileAuditLog.open(config.audit.file, hmacKey, (err) => log.error({ err: err.message }, 'audit log write failed'));
    closers.push(() => audit.close());

    const events = new LeaseEventBus();
    events.subscribe({}, (event) => {
      if (event.type === 'revoked' || event.type === 'expired') {
        const l = event.lease;
        audit.append({ type: 'revoke', phase: 'confirmed', lease: { id: l.id, provider: l.provider, task: l.taskId, owner: l.owner, state: l.state }, trigger: l.trigger, reason: l.reason });
      }
    });
    const revoker = new Revoker({ store, providers, events, clock, log });
    const reaper = new Reaper(
      { store, revoker, clock, log },
      { intervalMs: config.leases.reaperInterval, pendingTimeoutMs: config.leases.pendingTimeout },
    );
    const service = new WarrantService({
      store,
      events,
      policy: () => policy,
      providers,
      revoker,
      audit,
      authority: new Authority(config.identity.admins, config.identity.sidecars),
      clock,
      log,
      options: { idempotencyWindowMs: config.leases.idempotencyWindow, capToSvidExpiry: config.leases.capToSvidExpiry },
    });

    const tls = new TlsSource(
      bundles.allAuthoritiesPem(),
      readSecretFile(config.grpc.certFile, "the server's certificate"),
      readSecretFile(config.grpc.keyFile, "the server's key"),
    );
    const identity = new PeerIdentity(() => bundles, clock);
    const grpcServer: RunningGrpcServer = await startGrpcServer({ service, identity, tls, log }, config.grpc.listen);
    closers.push(() => grpcServer.close());
    const introspectionClients = config.introspection.clients.map((c) => ({ id: c.id, secret: readSecretFile(c.secretFile, `introspection client ${c.id}'s secret`) }));
    const httpServer: RunningHttpServer = await startHttpServer(
      { service, introspectionClients, ready: () => store.ping().then(() => true), log },
      config.http.listen,
    );
    closers.push(() => httpServer.close());

    reaper.start();
    closers.push(() => reaper.stop());
    log.info({ grpc: `${config.grpc.listen.replace(/:\d+$/, '')}:${grpcServer.port}`, http: `${config.http.listen.replace(/:\d+$/, '')}:${httpServer.port}` }, 'warrant serving');
    return {
      grpcPort: grpcServer.port,
      httpPort: httpServer.port,
      service,
      store,
      reaper,
      tls,
      audit,
      log,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
