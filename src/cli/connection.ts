import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { WarrantClient } from '../client/index.js';
import { DEFAULT_DEV_DIR, DEFAULT_GRPC_LISTEN, DEV_SERVER_ID } from './dev-files.js';
import { UsageError } from './usage-error.js';

export interface ConnectionFlags {
  dir?: string | undefined;
  as?: string | undefined;
  server?: string | undefined;
  svid?: string | undefined;
  'svid-key'?: string | undefined;
  bundle?: string | undefined;
  'server-id'?: string | undefined;
  'jwt-svid'?: string | undefined;
  timeout?: string | undefined;
}

export const CONNECTION_OPTIONS = {
  dir: { type: 'string' },
  as: { type: 'string' },
  server: { type: 'string' },
  svid: { type: 'string' },
  'svid-key': { type: 'string' },
  bundle: { type: 'string' },
  'server-id': { type: 'string' },
  'jwt-svid': { type: 'string' },
} as const;

function grpcListenOf(dir: string): string {
  try {
    const cfg = parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8')) as { grpc?: { listen?: string } };
    return cfg.grpc?.listen ?? DEFAULT_GRPC_LISTEN;
  } catch {
    return DEFAULT_GRPC_LISTEN;
  }
}

/** TLS without a client certificate; the JWT-SVID in `authorization: Bearer` proves the workload. */
function connectWithJwtSvid(flags: ConnectionFlags, token: string): WarrantClient {
  if (flags.svid !== undefined || flags['svid-key'] !== undefined || flags.as !== undefined) {
    throw new UsageError('--jwt-svid replaces --svid/--svid-key and --as: the token names the workload');
  }
  const dir = flags.dir ?? DEFAULT_DEV_DIR;
  const bundleFile = flags.bundle ?? join(dir, 'bundle.pem');
  if (!existsSync(bundleFile)) {
    throw new UsageError(`no bundle at ${bundleFile}: pass --bundle PEM (the authorities that vouch for the server) or --dir DIR`);
  }
  return new WarrantClient({
    server: flags.server ?? grpcListenOf(dir),
    bundlePem: readFileSync(bundleFile, 'utf8'),
    jwtSvid: token,
    serverId: flags['server-id'] ?? DEV_SERVER_ID,
  });
}

/**
 * --jwt-svid connects with a JWT-SVID; --dir uses the dev files (the demo agent, or the operator
 * with --as operator); otherwise explicit files.
 */
export function connect(flags: ConnectionFlags): WarrantClient {
  const token = flags['jwt-svid'];
  if (token !== undefined) return connectWithJwtSvid(flags, token);
  const explicit = flags.svid !== undefined || flags['svid-key'] !== undefined || flags.bundle !== undefined;
  if (explicit) {
    if (flags.svid === undefined || flags['svid-key'] === undefined || flags.bundle === undefined || flags.server === undefined) {
      throw new UsageError('--svid, --svid-key, --bundle and --server go together');
    }
    return WarrantClient.fromFiles({
      server: flags.server,
      svidFile: flags.svid,
      svidKeyFile: flags['svid-key'],
      bundleFile: flags.bundle,
      serverId: flags['server-id'] ?? DEV_SERVER_ID,
    });
  }
  const dir = flags.dir ?? DEFAULT_DEV_DIR;
  const who = flags.as ?? 'agent';
  if (who !== 'agent' && who !== 'operator') throw new UsageError('--as takes agent or operator');
  if (!existsSync(join(dir, `${who}.pem`))) {
    throw new UsageError(`no dev files in ${dir}: start the server with \`npm start\` (or \`warrant dev --dir ${dir}\`) first, or pass --svid/--svid-key/--bundle/--server`);
  }
  return WarrantClient.fromFiles({
    server: flags.server ?? grpcListenOf(dir),
    svidFile: join(dir, `${who}.pem`),
    svidKeyFile: join(dir, `${who}-key.pem`),
    bundleFile: join(dir, 'bundle.pem'),
    serverId: flags['server-id'] ?? DEV_SERVER_ID,
  });
}
