// The sidecar's YAML config: where warrant is, which SVID to use, the task, the local API, and the
// credentials the workload needs with a sink for each. Every key is checked; errors name the key.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describeIssues } from '../../config/index.js';
import { WarrantError, parseDuration } from '../../core/index.js';
import { FORMATS, TEMPLATE_FIELDS, templateFields } from './credential-files.js';

const durationText = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (use e.g. 500ms, 30s, 15m, 1h)` });
    return z.NEVER;
  }
  return ms;
});

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. warrant.example.com:8443');
const loopback = z
  .string()
  .regex(/^(127\.0\.0\.1|\[::1\]|localhost):\d{1,5}$/, 'must be a loopback address, e.g. 127.0.0.1:8099 (the local API is for this host only)');
const spiffeIdText = z.string().regex(/^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'must be a SPIFFE ID');
const taskIdText = z.string().regex(/^[A-Za-z0-9._:@/-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ / -');
const credentialName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . -');
const fileMode = z
  .string()
  .regex(/^0?[0-7]{3}$/, 'must be an octal mode such as "0600"')
  .transform((m) => parseInt(m, 8))
  .refine((m) => (m & 0o077 & ~0o040) === 0, 'must not give write or any access to others (0600, 0400, 0640 or 0440)');

const formatFields = {
  /** One of the built-in formats … */
  format: z.enum(FORMATS).optional(),
  /** … or a template with {{field}} placeholders. */
  template: z
    .string()
    .min(1)
    .superRefine((t, ctx) => {
      const unknown = templateFields(t).filter((f) => !TEMPLATE_FIELDS.includes(f));
      if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown placeholder(s) ${unknown.map((f) => `{{${f}}}`).join(', ')}; known: ${TEMPLATE_FIELDS.join(', ')}` });
    })
    .optional(),
  /** aws-credentials and aws-config: the profile name. */
  profile: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . -').optional(),
  /** env: prefix for every variable name. */
  prefix: z.string().regex(/^[A-Z_][A-Z0-9_]{0,31}$/, 'must be an upper-case variable name prefix, e.g. ORDERS_').optional(),
};

const commandLine = z.array(z.string().min(1)).min(1, 'must name a program, e.g. ["/usr/bin/pkill", "-HUP", "agent"]');

const sinkSchema = z
  .object({
    /** Write the credential here: mode 0600 by default, replaced atomically, removed on revocation. */
    file: z.string().min(1).optional(),
    mode: fileMode.optional(),
    /** Run this after each change (with a file) or give it the credential on stdin (without). */
    command: commandLine.optional(),
    ...formatFields,
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.file === undefined && s.command === undefined) ctx.addIssue({ code: 'custom', message: 'a sink needs a file, a command, or both' });
    if (s.format !== undefined && s.template !== undefined) ctx.addIssue({ code: 'custom', message: 'give either format or template, not both' });
    if (s.file !== undefined && s.format === undefined && s.template === undefined) ctx.addIssue({ code: 'custom', path: ['format'], message: `a file sink needs a format (${FORMATS.join(', ')}) or a template` });
    if (s.file === undefined && s.mode !== undefined) ctx.addIssue({ code: 'custom', path: ['mode'], message: 'mode applies to a file sink only' });
    if (s.profile !== undefined && s.format !== 'aws-credentials' && s.format !== 'aws-config') ctx.addIssue({ code: 'custom', path: ['profile'], message: 'profile applies to aws-credentials and aws-config only' });
    if (s.prefix !== undefined && s.format !== 'env') ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'prefix applies to the env format only' });
  });

const credentialSchema = z
  .object({
    provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a provider name'),
    scope: z.array(z.string().min(1)).default([]),
    /** Unset: the provider's default. Each renewal asks for the same again. */
    ttl: durationText.optional(),
    sinks: z.array(sinkSchema).default([]),
  })
  .strict();

export const agentConfigSchema = z
  .object({
    warrant: z
      .object({
        server: hostPort,
        serverId: spiffeIdText,
        /** Deadline of each call to warrant. */
        timeout: durationText.default(10_000),
      })
      .strict(),
    /** This sidecar's X.509-SVID: files that spiffe-helper or a SPIRE agent rotates, or the Workload API. */
    svid: z
      .object({
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        bundleFile: z.string().min(1).optional(),
        pollInterval: durationText.default(5000),
        /** unix:///path/to/agent.sock or tcp://IP:port */
        workloadApi: z.string().regex(/^(unix|tcp):\/\//, 'must be unix:///path or tcp://IP:port').optional(),
      })
      .strict()
      .superRefine((s, ctx) => {
        const files = [s.certFile, s.keyFile, s.bundleFile].filter((f) => f !== undefined).length;
        if (s.workloadApi !== undefined && files > 0) ctx.addIssue({ code: 'custom', message: 'give either workloadApi or certFile, keyFile and bundleFile, not both' });
        else if (s.workloadApi === undefined && files < 3) ctx.addIssue({ code: 'custom', message: 'give certFile, keyFile and bundleFile, or workloadApi' });
      }),
    /** The task to open at start; without it, the agent waits for POST /v1/task. */
    task: z
      .object({
        id: taskIdText,
        purpose: z.string().max(1024).default(''),
        attributes: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .optional(),
    api: z
      .object({
        /** Unix socket of the local API (mode 0600; its folder is created 0700). */
        socket: z.string().min(1),
        /** Optional loopback address serving /healthz and /readyz only, for probes. */
        listen: loopback.optional(),
      })
      .strict(),
    renewal: z
      .object({
        /** Renew after this fraction of the time left. */
        fraction: z.number().gt(0).lt(1).default(0.5),
        /** Spread each renewal by ± this fraction. */
        jitter: z.number().min(0).lt(1).default(0.1),
        /** Backoff between failed renewals or issues. */
        retryInitial: durationText.default(1000),
        retryMax: durationText.default(30_000),
      })
      .strict()
      .prefault({}),
    /** Exit after the task is completed (POST /v1/complete) instead of waiting for the next task. */
    exitOnComplete: z.boolean().default(false),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') })
      .strict()
      .prefault({}),
    credentials: z.record(credentialName, credentialSchema).default({}),
  })
  .strict();

export type AgentConfig = z.output<typeof agentConfigSchema>;
export type CredentialConfig = AgentConfig['credentials'][string];
export type SinkConfig = CredentialConfig['sinks'][number];

function resolvePaths(cfg: AgentConfig, baseDir: string): AgentConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...cfg,
    svid:
      cfg.svid.workloadApi !== undefined
        ? cfg.svid
        : { ...cfg.svid, certFile: abs(cfg.svid.certFile!), keyFile: abs(cfg.svid.keyFile!), bundleFile: abs(cfg.svid.bundleFile!) },
    api: { ...cfg.api, socket: abs(cfg.api.socket) },
    credentials: Object.fromEntries(
      Object.entries(cfg.credentials).map(([name, c]) => [name, { ...c, sinks: c.sinks.map((s) => (s.file === undefined ? s : { ...s, file: abs(s.file) })) }]),
    ),
  };
}

/** Validates a config object; relative paths resolve against baseDir. */
export function parseAgentConfig(raw: unknown, baseDir: string, source = 'agent config'): AgentConfig {
  const parsed = agentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new WarrantError('ERR_CONFIG', `${source} is invalid:\n  ${describeIssues(parsed.error.issues).join('\n  ')}`);
  }
  const cfg = resolvePaths(parsed.data, baseDir);
  const files = new Map<string, string>();
  for (const [name, c] of Object.entries(cfg.credentials)) {
    for (const s of c.sinks) {
      if (s.file === undefined) continue;
      const other = files.get(s.file);
      if (other !== undefined) throw new WarrantError('ERR_CONFIG', `${source} is invalid:\n  credentials.${name}: file ${s.file} is already written by credential ${other}`);
      files.set(s.file, name);
    }
  }
  return cfg;
}

export function loadAgentConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WarrantError('ERR_CONFIG', `cannot read agent config file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new WarrantError('ERR_CONFIG', `agent config file ${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  return parseAgentConfig(raw, dirname(resolve(file)), file);
}
