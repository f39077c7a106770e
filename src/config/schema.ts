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
        /** warrant's own X.509-SVID (certificate chain) and key, PEM. */
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
      })
      .strict(),
    http: z
      .object({
        listen: listenAddress.default('127.0.0.1:8080'),
      })
      .strict()
      .prefault({}),
    identity: z
      .object({
        trustBundles: z
          .array(z.object({ trustDomain: z.string().regex(/^[a-z0-9._-]+$/), bundleFile: z.string().min(1) }).strict())
          .min(1, 'at least one trust bundle is required'),
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
      })
      .strict(),
    store: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('memory') }).strict(),
        z
          .object({
            kind: z.literal('redis'),
            /** Without a password; the password comes from passwordFile or the REDIS_PASSWORD env var. */
            url: z
              .string()
              .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
              .refine((u) => !/^rediss?:\/\/[^/@]*:[^/@]*@/.test(u), 'must not hold a password; use passwordFile'),
            passwordFile: z.string().min(1).optional(),
            /** Every key starts with it; its {hash tag} keeps a store's keys in one Redis Cluster slot. */
            keyPrefix: z
              .string()
              .regex(/^[A-Za-z0-9_.:-]*\{[A-Za-z0-9_.:-]+\}[A-Za-z0-9_.:-]*$/, 'must hold a {hash tag}, e.g. "warrant:{w}:"')
              .max(64)
              .default('warrant:{w}:'),
          })
          .strict(),
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
        reaperInterval: duration('1s'),
        /** A lease still pending after this is treated as a crashed mint and revoked through its handle. */
        pendingTimeout: duration('2m'),
        idempotencyWindow: duration('24h'),
        /** Leases never outlive the SVID that obtained them. */
        capToSvidExpiry: z.boolean().default(true),
        terminalRetention: duration('24h'),
      })
      .strict()
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
