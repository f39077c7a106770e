import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { WarrantError } from '../core/index.js';
import { serverConfigSchema, type ServerConfig } from './schema.js';

/** Turns zod issues into "a.b.c: problem" lines so the operator sees the bad key. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') return `${path}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${path}: ${issue.message}`;
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function resolvePaths(cfg: ServerConfig, baseDir: string): ServerConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  return {
    ...cfg,
    grpc: {
      ...cfg.grpc,
      ...(cfg.grpc.certFile === undefined ? {} : { certFile: abs(cfg.grpc.certFile) }),
      ...(cfg.grpc.keyFile === undefined ? {} : { keyFile: abs(cfg.grpc.keyFile) }),
    },
    identity: {
      ...cfg.identity,
      trustBundles: cfg.identity.trustBundles.map((b) => ({ ...b, bundleFile: abs(b.bundleFile) })),
    },
    policy: { ...cfg.policy, dir: abs(cfg.policy.dir) },
    store:
      cfg.store.kind === 'redis'
        ? {
            ...cfg.store,
            ...(cfg.store.passwordFile === undefined ? {} : { passwordFile: abs(cfg.store.passwordFile) }),
            ...(cfg.store.sentinel?.passwordFile === undefined ? {} : { sentinel: { ...cfg.store.sentinel, passwordFile: abs(cfg.store.sentinel.passwordFile) } }),
          }
        : cfg.store,
    audit: { file: abs(cfg.audit.file), hmacKeyFile: abs(cfg.audit.hmacKeyFile) },
    providers: Object.fromEntries(
      Object.entries(cfg.providers).map(([name, p]) => [
        name,
        // Every top-level provider key named *File is a path (signingKeyFile, clientSecretFile, …).
        Object.fromEntries(Object.entries(p).map(([k, v]) => [k, k.endsWith('File') && typeof v === 'string' ? abs(v) : v])) as typeof p,
      ]),
    ),
    introspection: { clients: cfg.introspection.clients.map((c) => ({ ...c, secretFile: abs(c.secretFile) })) },
  };
}

/** Validates a config object; relative paths resolve against baseDir. The result is frozen. */
export function parseServerConfig(raw: unknown, baseDir: string, source = 'config'): ServerConfig {
  const parsed = serverConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues);
    throw new WarrantError('ERR_CONFIG', `${source} is invalid:\n  ${lines.join('\n  ')}`);
  }
  return deepFreeze(resolvePaths(parsed.data, baseDir));
}

/** Reads a YAML or JSON config file (JSON is YAML) and validates it. */
export function loadServerConfig(file: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WarrantError('ERR_CONFIG', `cannot read config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new WarrantError('ERR_CONFIG', `config file ${file} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  return parseServerConfig(raw, dirname(resolve(file)), file);
}
