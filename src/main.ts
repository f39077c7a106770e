// The composition root: builds every component from config and wires them. The only module that
// reads environment variables.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { MetricsRegistry, PeerIdentity, TlsSource, startGrpcServer, startHttpServer, type RunningGrpcServer, type RunningHttpServer } from './api/index.js';
import { FileAuditLog, loadOrCreateHmacKey, type AuditEvent, type AuditLog } from './audit/index.js';
import type { ServerConfig } from './config/index.js';
import { WarrantError, systemClock, type Clock } from './core/index.js';
import {
  JwtSvidVerifier,
  SPIFFE_ENDPOINT_SOCKET,
  TrustBundleWatcher,
  WorkloadApiAddressError,
  WorkloadApiClient,
  X509SvidFileSource,
  X509SvidMaterialError,
  firstX509Svid,
  parseSpiffeId,
  type TrustBundleChange,
  type X509SvidMaterial,
} from './identity/index.js';
import {
  DEFAULT_KEY_PREFIX,
  LeaseEventBus,
  LeaseEventRelay,
  MemoryLeaseStore,
  RedisLeaseStore,
  createRedisClient,
  createRedisCluster,
  createRedisSentinelClient,
  type LeaseStore,
  type RedisConnection,
  type RevocationItem,
} from './leases/index.js';
import { PolicyLoadError, PolicyReloader } from './policy/index.js';
import { buildProvider, commonProviderOptions, type CredentialProvider, type ProviderNotice } from './providers/index.js';
import { MassRevocation, Reaper, Revoker, type RevocationHooks } from './revocation/index.js';
import { Authority, WarrantService, stampPolicyVersion, type TaskRules } from './service/index.js';
import { MemoryApprovalStore, MemoryTaskStore, RedisApprovalStore, RedisTaskStore, type ApprovalStore, type TaskStore } from './tasks/index.js';

export interface StartOptions {
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Overrides config.store with a Redis store at this URL (REDIS_URL). */
  readonly redisUrl?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Wraps each provider once it is built (instrumentation; tests inject faults and count calls). */
  readonly decorateProvider?: (provider: CredentialProvider) => CredentialProvider;
  /** This replica's name in the revocation queue's claims (default: host name, pid and a random suffix). */
  readonly replicaId?: string;
}

export interface RunningServer {
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly service: WarrantService;
  readonly store: LeaseStore;
  readonly reaper: Reaper;
  readonly revoker: Revoker;
  readonly massRevocation: MassRevocation;
  readonly metrics: MetricsRegistry;
  readonly tls: TlsSource;
  readonly audit: AuditLog;
  readonly log: Logger;
  /** The policy version in force; reload() loads the directory again (SIGHUP). */
  readonly policy: PolicyReloader;
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

/** The lease store's Redis connection and key prefix, which the task store shares. */
interface SharedRedis {
  client?: RedisConnection;
  keyPrefix?: string;
}

async function openStore(config: ServerConfig, options: StartOptions, log: Logger, shared: SharedRedis = {}): Promise<LeaseStore> {
  const env = options.env ?? process.env;
  const retention = config.leases.terminalRetention;
  const clientOptions = { connectionName: 'warrant', onError: throttledRedisErrors(log) };
  if (options.redisUrl !== undefined) {
    const client = await createRedisClient(options.redisUrl, clientOptions);
    log.info({ store: 'redis' }, 'lease store: redis (from REDIS_URL)');
    Object.assign(shared, { client, keyPrefix: DEFAULT_KEY_PREFIX });
    return openRedisStore(client, { keyPrefix: DEFAULT_KEY_PREFIX, terminalRetentionMs: retention });
  }
  if (config.store.kind === 'memory') {
    log.warn('lease store: in-memory; leases are lost on restart (use store.kind redis in production)');
    return new MemoryLeaseStore({ terminalRetentionMs: retention });
  }
  const store = config.store;
  const password = store.passwordFile !== undefined ? readSecretFile(store.passwordFile, 'the Redis password') : env['REDIS_PASSWORD'];
  const secret = password === undefined || password === '' ? {} : { password };
  let client: RedisConnection;
  if (store.cluster !== undefined) {
    client = await createRedisCluster(store.cluster, { ...secret, tls: store.tls }, clientOptions);
    log.info({ store: 'redis-cluster', nodes: store.cluster, keyPrefix: store.keyPrefix, shards: store.shards }, 'lease store: redis cluster');
  } else if (store.sentinel !== undefined) {
    const sentinelPassword = store.sentinel.passwordFile === undefined ? undefined : readSecretFile(store.sentinel.passwordFile, 'the Sentinel password');
    client = await createRedisSentinelClient(
      {
        masterName: store.sentinel.masterName,
        sentinels: store.sentinel.nodes,
        tls: store.tls,
        ...secret,
        ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
      },
      clientOptions,
    );
    log.info({ store: 'redis-sentinel', masterName: store.sentinel.masterName, keyPrefix: store.keyPrefix, shards: store.shards }, 'lease store: redis via sentinel');
  } else {
    const url = new URL(store.url ?? 'redis://127.0.0.1:6379');
    if (password !== undefined && password !== '') url.password = encodeURIComponent(password);
    client = await createRedisClient(url.toString(), clientOptions);
    log.info({ store: 'redis', keyPrefix: store.keyPrefix, shards: store.shards }, 'lease store: redis');
  }
  Object.assign(shared, { client, keyPrefix: store.keyPrefix });
  return openRedisStore(client, { keyPrefix: store.keyPrefix, shards: store.shards, terminalRetentionMs: retention });
}

/** Tasks and approvals live where leases do: in memory, or in Redis on the lease store's connection. */
function openTaskStores(config: ServerConfig, shared: SharedRedis): { tasks: TaskStore; approvals: ApprovalStore } {
  const retentionMs = config.tasks.retention;
  if (shared.client === undefined || shared.keyPrefix === undefined) {
    return { tasks: new MemoryTaskStore({ retentionMs }), approvals: new MemoryApprovalStore({ retentionMs }) };
  }
  const keyPrefix = `${shared.keyPrefix}tasks:`;
  return { tasks: new RedisTaskStore(shared.client, { keyPrefix, retentionMs }), approvals: new RedisApprovalStore(shared.client, { keyPrefix, retentionMs }) };
}

function taskRules(config: ServerConfig): TaskRules {
  const t = config.tasks;
  const budget = (b: typeof t.defaultBudget) => ({ maxCredentials: b.maxCredentials, maxConcurrentLeases: b.maxConcurrentLeases, maxLifetimeMs: b.maxLifetime });
  return {
    deviationThreshold: t.deviationThreshold,
    maxDelegationDepth: t.maxDelegationDepth,
    requireTools: t.requireTools,
    defaultBudget: budget(t.defaultBudget),
    maxBudget: budget(t.maxBudget),
    approvalTimeoutMs: t.approvals.timeout,
    approvalUseWindowMs: t.approvals.useWindow,
    approvalMaxWaitMs: t.approvals.maxWait,
  };
}

/** Checks the layout Redis holds (one round trip); the store then owns the client. */
async function openRedisStore(client: RedisConnection, options: { keyPrefix: string; shards?: number; terminalRetentionMs: number }): Promise<LeaseStore> {
  try {
    return await RedisLeaseStore.open(client, { ...options, closeClient: true });
  } catch (err) {
    client.disconnect();
    throw err;
  }
}

/** The revocation metrics, and the hooks that feed them and the audit log. */
function revocationMetrics(metrics: MetricsRegistry, store: LeaseStore, clock: Clock, audit: AuditLog): RevocationHooks {
  const revocations = metrics.counter('warrant_revocations_total', 'Revocation attempts by trigger and outcome (confirmed, retried, failed).');
  const lag = metrics.histogram('warrant_reaper_lag_seconds', 'Time from a lease\'s expiry to its revocation being confirmed.', [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]);
  const circuits = metrics.gauge('warrant_provider_circuit_open', 'Whether revocations to a provider are paused by its circuit breaker (1) or not (0).');
  const stats = () => store.revocationStats(clock.now());
  metrics.gauge('warrant_revocation_queue_depth', 'Revocations accepted and not yet confirmed (due, scheduled for retry, or being attempted).', async () => [[{}, (await stats()).queued]]);
  metrics.gauge('warrant_revocation_queue_due', 'Revocations due for an attempt now and not claimed by any replica.', async () => [[{}, (await stats()).due]]);
  metrics.gauge('warrant_revocation_failed_leases', 'Leases in state revocation_failed: the provider never confirmed within the give-up window.', async () => [[{}, (await stats()).failed]]);
  const record = (item: RevocationItem, state: 'revoked' | 'expired'): AuditEvent => ({
    type: 'revoke',
    phase: 'confirmed',
    lease: { id: item.leaseId, provider: item.provider, task: item.taskId, owner: item.owner, state },
    trigger: item.trigger,
    reason: item.reason,
    ...(item.operation === undefined ? {} : { operation: item.operation }),
  });
  return {
    confirmed: (item, state, at) => {
      revocations.inc({ trigger: item.trigger, outcome: 'confirmed' });
      if (item.trigger === 'expired') lag.observe(Math.max(0, at - item.expiresAt) / 1000);
      audit.append(record(item, state));
    },
    confirmedMany: (items) => {
      const byTrigger = new Map<string, number>();
      for (const item of items) {
        byTrigger.set(item.trigger, (byTrigger.get(item.trigger) ?? 0) + 1);
        if (item.trigger === 'expired') lag.observe(Math.max(0, item.revokedAt - item.expiresAt) / 1000);
      }
      for (const [trigger, count] of byTrigger) revocations.inc({ trigger, outcome: 'confirmed' }, count);
      audit.appendMany(items.map((item) => record(item, item.state)));
    },
    retried: (item, error) => revocations.inc({ trigger: item.trigger, outcome: 'retried', error }),
    parked: (item, error) => {
      revocations.inc({ trigger: item.trigger, outcome: 'failed' });
      audit.append({
        type: 'revoke',
        phase: 'revocation_failed',
        lease: { id: item.leaseId, provider: item.provider, task: item.taskId, owner: item.owner, state: 'revocation_failed' },
        trigger: item.trigger,
        error,
        attempts: item.attempts + 1,
      });
    },
    circuit: (provider, open) => circuits.set({ provider }, open ? 1 : 0),
  };
}

/** The config schema screens SPIFFE IDs with a pattern; the one SPIFFE ID parser has the last word. */
function checkConfiguredSpiffeIds(config: ServerConfig): void {
  const ids: [string, string][] = [
    ...config.identity.admins.map((id, i): [string, string] => [`identity.admins.${i}`, id]),
    ...config.identity.sidecars.map((s, i): [string, string] => [`identity.sidecars.${i}.spiffeId`, s.spiffeId]),
  ];
  for (const [key, id] of ids) {
    try {
      parseSpiffeId(id);
    } catch (err) {
      throw new WarrantError('ERR_CONFIG', `${key}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Loads the trust bundles (a bad one fails start-up) and keeps them current; refused changes are logged. */
async function openTrustBundles(
  config: ServerConfig,
  log: Logger,
  handlers: { onChange(change: TrustBundleChange): Promise<void> },
): Promise<TrustBundleWatcher> {
  const trust = await TrustBundleWatcher.open(
    config.identity.trustBundles,
    { debounceMs: config.identity.reload.debounce, pollIntervalMs: config.identity.reload.pollInterval },
    {
      onChange: async (change) => {
        log.info(
          { generation: change.bundles.generation, trustDomains: change.bundles.trustDomains(), added: change.added, removed: change.removed, changed: change.changed },
          'trust bundles reloaded',
        );
        for (const line of change.bundles.ignored) log.warn({ entry: line }, 'trust bundle entry ignored');
        await handlers.onChange(change);
      },
      onRejected: (err) => log.warn({ rule: err.rule, reason: err.message }, 'trust bundle change refused; the previous bundle stays in force'),
      onMissing: (file, trustDomain, graceMs) =>
        log.warn({ file, trustDomain, graceMs }, 'trust bundle file is gone; its trust domain is removed if it is still gone after the grace period'),
      onHandlerError: (err) => log.error({ err: (err as Error).message }, 'applying reloaded trust bundles failed'),
    },
  ).catch((err: unknown) => {
    throw err instanceof WarrantError ? err : new WarrantError('ERR_CONFIG', `identity.trustBundles: ${(err as Error).message}`, { cause: err });
  });
  for (const line of trust.bundles.ignored) log.warn({ entry: line }, 'trust bundle entry ignored');
  log.info({ trustDomains: trust.bundles.trustDomains() }, 'trust bundles loaded');
  return trust;
}

interface ServerSvid {
  readonly current: X509SvidMaterial;
  close(): void;
}

/**
 * warrant's own SVID: from grpc.certFile/keyFile (watched), or from the SPIFFE Workload API at
 * grpc.workloadApi.socket or, when neither is configured, SPIFFE_ENDPOINT_SOCKET (Workload Endpoint §4).
 * Each rotation is handed to `apply`; if that throws, the previous SVID stays in use.
 */
async function openServerSvid(config: ServerConfig, env: NodeJS.ProcessEnv, log: Logger, apply: (svid: X509SvidMaterial) => void): Promise<ServerSvid> {
  const watch = { debounceMs: config.identity.reload.debounce, pollIntervalMs: config.identity.reload.pollInterval };
  const { certFile, keyFile, workloadApi } = config.grpc;
  if (certFile !== undefined && keyFile !== undefined) {
    const source = await X509SvidFileSource.open(certFile, keyFile, watch, {
      onUpdate: (svid) => {
        apply(svid);
        log.info({ spiffeId: svid.spiffeId, notAfter: new Date(svid.notAfter).toISOString(), fingerprint: svid.fingerprint256 }, 'server SVID rotated (files)');
      },
      onRejected: (err) => log.warn({ rule: err.rule, reason: err.message }, 'server SVID files changed but cannot be used; the previous SVID stays in use'),
    }).catch((err: unknown) => {
      throw err instanceof X509SvidMaterialError ? new WarrantError('ERR_CONFIG', `grpc.certFile/keyFile: ${err.message}`, { cause: err }) : err;
    });
    log.info({ spiffeId: source.current.spiffeId, notAfter: new Date(source.current.notAfter).toISOString() }, 'server SVID loaded (files)');
    return { get current() { return source.current; }, close: () => source.close() };
  }
  const address = workloadApi?.socket ?? env[SPIFFE_ENDPOINT_SOCKET];
  if (address === undefined || address === '') {
    throw new WarrantError('ERR_CONFIG', `grpc: set certFile and keyFile, or workloadApi, or the ${SPIFFE_ENDPOINT_SOCKET} environment variable`);
  }
  let client: WorkloadApiClient;
  try {
    client = new WorkloadApiClient({ address });
  } catch (err) {
    throw err instanceof WorkloadApiAddressError ? new WarrantError('ERR_CONFIG', `grpc.workloadApi.socket: ${err.message}`, { cause: err }) : err;
  }
  let current: X509SvidMaterial;
  const watching = await firstX509Svid(
    client,
    {
      onUpdate: ({ svid }) => {
        try {
          apply(svid);
          current = svid;
          log.info({ spiffeId: svid.spiffeId, notAfter: new Date(svid.notAfter).toISOString(), fingerprint: svid.fingerprint256 }, 'server SVID rotated (Workload API)');
        } catch (err) {
          log.warn({ reason: (err as Error).message }, 'server SVID from the Workload API cannot be used; the previous SVID stays in use');
        }
      },
      onError: (err) => log.warn({ rule: err.rule, reason: err.message, retrying: err.retrying }, 'SPIFFE Workload API'),
    },
    workloadApi?.timeout ?? 30_000,
  ).catch((err: unknown) => {
    client.close();
    throw new WarrantError('ERR_CONFIG', `grpc.workloadApi: ${(err as Error).message}`, { cause: err });
  });
  current = watching.first.svid;
  log.info({ spiffeId: current.spiffeId, notAfter: new Date(current.notAfter).toISOString(), address }, 'server SVID from the SPIFFE Workload API');
  return {
    get current() {
      return current;
    },
    close: () => {
      watching.stop();
      client.close();
    },
  };
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger();
  const clock = options.clock ?? systemClock;
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'error while closing'));
  };
  try {
    checkConfiguredSpiffeIds(config);
    const policy = await PolicyReloader.open(config.policy.dir, {
      groups: config.policy.groups,
      watch: config.policy.reload.watch,
      debounceMs: config.policy.reload.debounce,
      pollIntervalMs: config.policy.reload.pollInterval,
      onReload: (r) => {
        if (r.outcome === 'reloaded') log.info({ trigger: r.trigger, from: r.from, policyVersion: r.to, policies: r.policies, warnings: r.warnings }, 'policy reloaded');
        else if (r.outcome === 'rejected') log.error({ trigger: r.trigger, policyVersion: r.version, error: r.error }, 'policy change refused; the version in force stays');
        else log.info({ trigger: r.trigger, policyVersion: r.version }, 'policy unchanged');
      },
    }).catch((err: unknown) => {
      // A policy that does not type-check stops start-up, naming file, line and column.
      throw err instanceof PolicyLoadError ? new WarrantError('ERR_CONFIG', `policy: ${err.toString()}`, { cause: err }) : err;
    });
    closers.push(async () => policy.close());
    log.info({ policyVersion: policy.current.version, policies: policy.current.policyCount }, 'policy loaded');
    for (const warning of policy.current.warnings) log.warn({ warning }, 'policy warning');

    // Providers are built before the audit log opens; a notice they give meanwhile waits for it.
    const earlyNotices: ProviderNotice[] = [];
    let recordNotice = (n: ProviderNotice): void => void earlyNotices.push(n);
    const providers = new Map<string, CredentialProvider>();
    const capToSvidExpiryByProvider = new Map<string, boolean>();
    for (const [name, raw] of Object.entries(config.providers)) {
      const cap = commonProviderOptions(name, raw).capToSvidExpiry;
      if (cap !== undefined) capToSvidExpiryByProvider.set(name, cap);
      const built = await buildProvider(name, raw, { clock, env: options.env ?? process.env, notify: (n) => recordNotice(n) });
      const provider = options.decorateProvider?.(built) ?? built;
      providers.set(name, provider);
      closers.push(() => provider.close());
    }

    const shared: SharedRedis = {};
    const store = await openStore(config, options, log, shared);
    closers.push(() => store.close());
    const taskStores = openTaskStores(config, shared);
    closers.push(() => Promise.all([taskStores.tasks.close(), taskStores.approvals.close()]));

    const hmacKey = await loadOrCreateHmacKey(config.audit.hmacKeyFile);
    // Every record carries the policy version in force when it was written.
    const audit = stampPolicyVersion(
      await FileAuditLog.open(config.audit.file, hmacKey, (err) => log.error({ err: err.message }, 'audit log write failed')),
      () => policy.current.version,
    );
    closers.push(() => audit.close());
    recordNotice = (n) =>
      audit.append({ type: n.operation, phase: 'provider_notice', provider: n.provider, lease: { id: n.leaseId }, notice: n.notice, message: n.message, details: n.details });
    for (const n of earlyNotices.splice(0)) recordNotice(n);

    const metrics = new MetricsRegistry();
    const revoker = new Revoker(
      { store, providers, clock, log, hooks: revocationMetrics(metrics, store, clock, audit) },
      {
        visibilityTimeoutMs: config.revocation.visibilityTimeout,
        attemptTimeoutMs: config.revocation.attemptTimeout,
        retryBaseMs: config.revocation.retryBase,
        retryMaxMs: config.revocation.retryMax,
        giveUpAfterMs: config.revocation.giveUpAfter,
        providerConcurrency: config.revocation.concurrency,
        concurrencyByProvider: config.revocation.providerConcurrency,
        breakerThreshold: config.revocation.breakerThreshold,
        breakerCooldownMs: config.revocation.breakerCooldown,
      },
    );
    const swept = metrics.counter('warrant_reaper_swept_total', 'Leases the reaper moved to revoking: expired, or abandoned while pending.');
    const reaper = new Reaper(
      { store, revoker, clock, log },
      {
        intervalMs: config.leases.reaperInterval,
        pendingTimeoutMs: config.leases.pendingTimeout,
        onSweep: (expired, abandoned) => {
          swept.inc({ kind: 'expired' }, expired);
          swept.inc({ kind: 'abandoned' }, abandoned);
        },
      },
    );
    const replicaId = options.replicaId ?? `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
    const massRevocation = new MassRevocation(
      { store, revoker, clock, log, replicaId },
      { visibilityTimeoutMs: config.revocation.visibilityTimeout },
    );
    // WatchLeases subscribers hear every replica's changes through the store's event feed.
    const events = new LeaseEventBus({ onListenerError: (err) => log.warn({ err: (err as Error).message }, 'lease event listener failed') });
    const relay = new LeaseEventRelay(store, events, { onError: (err) => log.warn({ err: (err as Error).message }, 'lease event feed unavailable; retrying') });
    const service = new WarrantService({
      store,
      events,
      policy: policy.engine,
      providers,
      revoker,
      massRevocation,
      audit,
      authority: new Authority(config.identity.admins, config.identity.sidecars),
      clock,
      log,
      tasks: taskStores.tasks,
      approvals: taskStores.approvals,
      taskRules: taskRules(config),
      options: { idempotencyWindowMs: config.leases.idempotencyWindow, capToSvidExpiry: config.leases.capToSvidExpiry, capToSvidExpiryByProvider },
    });

    // Bundles and warrant's own SVID reload without a restart; TLS is wired to them once it exists.
    let tls: TlsSource | undefined;
    const trust = await openTrustBundles(config, log, {
      onChange: async (change) => {
        tls?.setAuthorities(change.bundles.allAuthoritiesPem());
        for (const trustDomain of change.removed) {
          const summary = await service.revokeTrustDomain(trustDomain, `trust domain "${trustDomain}" was removed from the trust bundles`);
          log.warn({ trustDomain, ...summary }, 'trust domain removed: revocation of its leases accepted (trigger identity)');
        }
      },
    });
    closers.push(async () => trust.close());
    const ownSvid = await openServerSvid(config, options.env ?? process.env, log, (svid) => tls?.setIdentity(svid.chainPem, svid.keyPem));
    closers.push(async () => ownSvid.close());
    tls = new TlsSource(trust.bundles.allAuthoritiesPem(), ownSvid.current.chainPem, ownSvid.current.keyPem);
    const jwt =
      config.identity.jwt === undefined
        ? undefined
        : new JwtSvidVerifier({ audiences: config.identity.jwt.audience, maxClockSkewMs: config.identity.jwt.maxClockSkew });
    const identity = new PeerIdentity(() => trust.bundles, clock, jwt);
    const grpcServer: RunningGrpcServer = await startGrpcServer({ service, identity, tls, log }, config.grpc.listen);
    closers.push(() => grpcServer.close());
    const introspectionClients = config.introspection.clients.map((c) => ({ id: c.id, secret: readSecretFile(c.secretFile, `introspection client ${c.id}'s secret`) }));
    const httpServer: RunningHttpServer = await startHttpServer(
      { service, introspectionClients, ready: () => store.ping().then(() => true), metrics: () => metrics.render(), log },
      config.http.listen,
    );
    closers.push(() => httpServer.close());

    revoker.start();
    closers.push(() => revoker.stop());
    massRevocation.start();
    closers.push(() => massRevocation.stop());
    relay.start();
    closers.push(() => relay.stop());
    reaper.start();
    closers.push(() => reaper.stop());
    log.info({ grpc: `${config.grpc.listen.replace(/:\d+$/, '')}:${grpcServer.port}`, http: `${config.http.listen.replace(/:\d+$/, '')}:${httpServer.port}` }, 'warrant serving');
    return {
      grpcPort: grpcServer.port,
      httpPort: httpServer.port,
      service,
      store,
      reaper,
      revoker,
      massRevocation,
      metrics,
      tls,
      audit,
      log,
      policy,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
