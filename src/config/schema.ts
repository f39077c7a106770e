import { z } from 'zod';
import { parseDuration } from '../core/index.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (use e.g. 500ms, 30s, 15m, 1h)` });
        return z.NEVER;
      }
      return ms;
    });

const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:8443');

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port');

const spiffeIdText = z.string().regex(/^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'must be a SPIFFE ID');

/** `*` matches one path segment, `**` matches the rest. */
const spiffeIdPattern = z
  .string()
  .regex(/^spiffe:\/\/[a-z0-9._-]+(\/([A-Za-z0-9._-]+|\*|\*\*))*$/, 'must be a SPIFFE ID or pattern with * and **');

export const serverConfigSchema = z
  .object({
    grpc: z
      .object({
        listen: listenAddress.default('127.0.0.1:8443'),
        /** warrant's own X.509-SVID (certificate chain) and key, PEM; watched and reloaded when they change. */
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        /** …or warrant's own X.509-SVID from the SPIFFE Workload API (socket default: SPIFFE_ENDPOINT_SOCKET). */
        workloadApi: z
          .object({
            socket: z.string().regex(/^(unix:\/\/\/|tcp:\/\/)/, 'must be unix:///path or tcp://IP:port').optional(),
            /** How long start-up waits for the first SVID. */
            timeout: duration('30s'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .superRefine((grpc, ctx) => {
        if ((grpc.certFile === undefined) !== (grpc.keyFile === undefined)) {
          ctx.addIssue({ code: 'custom', path: [grpc.certFile === undefined ? 'certFile' : 'keyFile'], message: 'certFile and keyFile go together' });
        }
        if (grpc.certFile !== undefined && grpc.workloadApi !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['workloadApi'], message: 'set either certFile/keyFile or workloadApi, not both' });
        }
      }),
    http: z
      .object({
        listen: listenAddress.default('127.0.0.1:8080'),
      })
      .strict()
      .prefault({}),
    identity: z
      .object({
        trustBundles: z
          .array(
            z
              .object({
                trustDomain: z.string().regex(/^[a-z0-9._-]+$/),
                bundleFile: z.string().min(1),
                /** pem: CA certificates. spiffe: a SPIFFE bundle (JWK Set with x509-svid and jwt-svid keys). */
                format: z.enum(['pem', 'spiffe']).default('pem'),
              })
              .strict(),
          )
          .min(1, 'at least one trust bundle is required'),
        /** Accept JWT-SVIDs (authorization: Bearer) whose aud holds one of these. Absent: JWT-SVIDs are refused. */
        jwt: z
          .object({
            audience: z.array(z.string().min(1)).min(1, 'name at least one audience'),
            maxClockSkew: duration('30s').refine((ms) => ms <= 300_000, 'must be at most 5m'),
          })
          .strict()
          .optional(),
        /** How bundle files and warrant's own SVID files are watched for changes. */
        reload: z
          .object({
            debounce: duration('250ms'),
            pollInterval: duration('10s'),
          })
          .strict()
          .prefault({}),
        /** May call AdminService and act on any lease. */
        admins: z.array(spiffeIdText).default([]),
        /** May renew, revoke and complete on behalf of the workloads their patterns match. */
        sidecars: z
          .array(z.object({ spiffeId: spiffeIdText, workloads: z.array(spiffeIdPattern).min(1) }).strict())
          .default([]),
      })
      .strict(),
    policy: z
      .object({
        dir: z.string().min(1),
        groups: z
          .array(z.object({ name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), match: z.array(spiffeIdPattern).min(1) }).strict())
          .default([]),
        /** The directory is reloaded on change and on SIGHUP; a set that does not load leaves the one in force. */
        reload: z
          .object({
            watch: z.boolean().default(true),
            debounce: duration('250ms'),
            pollInterval: duration('10s'),
          })
          .strict()
          .prefault({}),
      })
      .strict(),
    tasks: z
      .object({
        /** Requests outside a task (undeclared tools, over budget, denials) at which the task is revoked. */
        deviationThreshold: z.number().int().min(1).max(1000).default(5),
        /** A task opened directly has depth 0; each delegation adds one. */
        maxDelegationDepth: z.number().int().min(0).max(16).default(3),
        /** Every task must declare the providers it will use. */
        requireTools: z.boolean().default(false),
        /** What a task gets for a budget field it leaves unset. */
        defaultBudget: z
          .object({ maxCredentials: z.number().int().min(1).default(100), maxConcurrentLeases: z.number().int().min(1).default(10), maxLifetime: duration('8h') })
          .strict()
          .prefault({}),
        /** The most a task may ask for. */
        maxBudget: z
          .object({ maxCredentials: z.number().int().min(1).default(10_000), maxConcurrentLeases: z.number().int().min(1).default(1_000), maxLifetime: duration('7d') })
          .strict()
          .prefault({}),
        /** How long a task's record is kept after it ends. */
        retention: duration('24h'),
        approvals: z
          .object({
            /** A pending approval not decided by then expires. */
            timeout: duration('1h'),
            /** An approved approval must be used within this. */
            useWindow: duration('10m'),
            /** The longest one GetApproval call blocks. */
            maxWait: duration('5m'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .superRefine((t, ctx) => {
        for (const key of ['maxCredentials', 'maxConcurrentLeases', 'maxLifetime'] as const) {
          if (t.defaultBudget[key] > t.maxBudget[key]) {
            ctx.addIssue({ code: 'custom', path: ['defaultBudget', key], message: `must not exceed maxBudget.${key}` });
          }
        }
      })
      .prefault({}),
    store: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('memory') }).strict(),
        z
          .object({
            kind: z.literal('redis'),
            /** One server. Without a password; the password comes from passwordFile or the REDIS_PASSWORD env var. */
            url: z
              .string()
              .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
              .refine((u) => !/^rediss?:\/\/[^/@]*:[^/@]*@/.test(u), 'must not hold a password; use passwordFile')
              .optional(),
            /** …or a Redis Cluster: host:port of any of its nodes (it learns the rest). */
            cluster: z.array(hostPort).min(1, 'name at least one node').optional(),
            /** …or a primary that Redis Sentinel manages (and fails over). */
            sentinel: z
              .object({
                masterName: z.string().min(1),
                nodes: z.array(hostPort).min(1, 'name at least one Sentinel'),
                /** Password of the Sentinels themselves, when they require one. */
                passwordFile: z.string().min(1).optional(),
              })
              .strict()
              .optional(),
            /** TLS to cluster nodes or to the Sentinel-managed primary (a url says rediss:// instead). */
            tls: z.boolean().default(false),
            passwordFile: z.string().min(1).optional(),
            /** Every key starts with it; each shard's keys carry the {hash tag} extended by the shard's number. */
            keyPrefix: z
              .string()
              .regex(/^[A-Za-z0-9_.:-]*\{[A-Za-z0-9_.:-]+\}[A-Za-z0-9_.:-]*$/, 'must hold a {hash tag}, e.g. "warrant:{w}:"')
              .max(64)
              .default('warrant:{w}:'),
            /** Leases are spread over this many shards (hash tags); fixed once leases exist. */
            shards: z.number().int().min(1).max(1024).default(16),
          })
          .strict()
          .superRefine((store, ctx) => {
            const given = [store.url, store.cluster, store.sentinel].filter((v) => v !== undefined).length;
            if (given !== 1) ctx.addIssue({ code: 'custom', message: 'set exactly one of url, cluster or sentinel' });
          }),
      ])
      .default({ kind: 'memory' }),
    audit: z
      .object({
        file: z.string().min(1),
        /** Key for the HMAC that ties a leaked secret back to its lease without storing it; created if missing. */
        hmacKeyFile: z.string().min(1),
      })
      .strict(),
    leases: z
      .object({
        /** Longest sleep of the reaper; it wakes at the next known expiry sooner. */
        reaperInterval: duration('250ms'),
        /** A lease still pending after this is treated as a crashed mint and revoked through its handle. */
        pendingTimeout: duration('2m'),
        idempotencyWindow: duration('24h'),
        /** Leases never outlive the SVID that obtained them. */
        capToSvidExpiry: z.boolean().default(true),
        terminalRetention: duration('24h'),
      })
      .strict()
      .prefault({}),
    revocation: z
      .object({
        /** A claimed revocation returns to the queue after this unless its replica finished it. */
        visibilityTimeout: duration('30s'),
        /** One provider call may take this long; keep it well under visibilityTimeout. */
        attemptTimeout: duration('10s'),
        /** First retry delay after a failed attempt; doubles each time (with jitter) up to retryMax. */
        retryBase: duration('1s'),
        retryMax: duration('5m'),
        /** After this long without a provider confirmation the lease is parked as revocation_failed. */
        giveUpAfter: duration('24h'),
        /** Revocations in flight per provider and replica. */
        concurrency: z.number().int().min(1).max(10_000).default(32),
        /** Per-provider overrides of concurrency. */
        providerConcurrency: z.record(z.string(), z.number().int().min(1).max(10_000)).default({}),
        /** Failures in a row that open a provider's circuit, and the first cool-down. */
        breakerThreshold: z.number().int().min(1).max(1000).default(5),
        breakerCooldown: duration('5s'),
      })
      .strict()
      .superRefine((r, ctx) => {
        if (r.attemptTimeout * 2 > r.visibilityTimeout) {
          ctx.addIssue({ code: 'custom', path: ['attemptTimeout'], message: 'must be at most half of visibilityTimeout' });
        }
      })
      .prefault({}),
    /** Provider name → its config; each kind validates its own keys. */
    providers: z.record(z.string(), z.looseObject({ kind: z.string() })),
    introspection: z
      .object({
        /** Resource servers allowed to call /introspect with HTTP Basic auth (RFC 7662 §2.1). */
        clients: z.array(z.object({ id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), secretFile: z.string().min(1) }).strict()).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ServerConfig = z.output<typeof serverConfigSchema>;
