import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DevAuthority, DevJwtAuthority, formatSpiffeBundle } from '../identity/index.js';
import { WARRANT_SCHEMA } from '../policy/index.js';
import { UsageError } from './usage-error.js';
import { devDatabasePolicy, type DevDatabase } from './dev-databases.js';

export const DEV_TRUST_DOMAIN = 'example.org';
export const DEV_SERVER_ID = `spiffe://${DEV_TRUST_DOMAIN}/warrant`;
export const DEV_AGENT_ID = `spiffe://${DEV_TRUST_DOMAIN}/agents/demo`;
export const DEV_OPERATOR_ID = `spiffe://${DEV_TRUST_DOMAIN}/operators/demo`;
export const DEV_PROVIDER = 'demo-api';
export const DEV_INTROSPECTION_CLIENT = 'demo-api';
export const DEFAULT_DEV_DIR = '.warrant/dev';
/** The audience dev-mode warrant accepts in JWT-SVIDs (JWT-SVID §3.2): its own SPIFFE ID. */
export const DEV_JWT_AUDIENCE = DEV_SERVER_ID;
export const DEV_JWT_AUTHORITY_KEY = 'jwt-authority-key.pem';
export const DEV_SPIFFE_BUNDLE = 'bundle.spiffe.json';
export const DEFAULT_GRPC_LISTEN = '127.0.0.1:8443';
export const DEFAULT_HTTP_LISTEN = '127.0.0.1:8080';

const SVID_TTL_MS = 30 * 86_400_000;
const CA_TTL_MS = 365 * 86_400_000;
/** Certificates closer than this to expiry are minted again at start. */
const RENEW_BEFORE_MS = 86_400_000;

export const DEV_POLICY = `// Sample policy for dev mode. Everything not permitted is denied.

// The demo agent may obtain tokens for demo-api, at most for an hour, for any task.
@id("demo-agent-may-use-demo-api")
permit (
  principal == Workload::"${DEV_AGENT_ID}",
  action == Action::"issue",
  resource == Provider::"${DEV_PROVIDER}"
)
when { context.ttlSeconds <= 3600 };
`;

async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

async function fresh(file: string, now: number): Promise<boolean> {
  try {
    const cert = new X509Certificate(await readFile(file));
    return Date.parse(cert.validTo) - now > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/** Writes the SPIFFE bundle when its keys changed, with a higher spiffe_sequence (Trust Domain and Bundle §4.1.1). */
async function writeSpiffeBundle(file: string, authority: DevAuthority, jwtAuthority: DevJwtAuthority): Promise<void> {
  const content = { x509Authorities: [authority.certPem], jwtAuthorities: [jwtAuthority] };
  const keysOf = (text: string): string => JSON.stringify((JSON.parse(text) as { keys?: unknown }).keys ?? null);
  let sequence = 1;
  try {
    const existing = await readFile(file, 'utf8');
    if (keysOf(existing) === keysOf(formatSpiffeBundle(content))) return;
    sequence = ((JSON.parse(existing) as { spiffe_sequence?: number }).spiffe_sequence ?? 0) + 1;
  } catch {
    // No bundle yet, or an unreadable one: write a fresh one.
  }
  await writeAtomic(file, formatSpiffeBundle({ ...content, sequence, refreshHintSeconds: 300 }), 0o644);
}

/** Mints a JWT-SVID with the dev JWT authority in `dir`, for trying JWT-SVID callers by hand. */
export async function mintDevJwtSvid(dir: string, spiffeId: string, audience: string, ttlMs: number): Promise<string> {
  const keyFile = join(dir, DEV_JWT_AUTHORITY_KEY);
  if (!existsSync(keyFile)) {
    throw new UsageError(`no dev JWT authority in ${dir}: start the server with \`warrant dev --dir ${dir}\` first`);
  }
  return DevJwtAuthority.load(await readFile(keyFile, 'utf8')).issueJwtSvid(spiffeId, { audience, ttlMs });
}

export interface DevFiles {
  readonly dir: string;
  readonly configFile: string;
}

/**
 * Creates (or refreshes) the dev trust domain and a config that serves it: an X.509 authority,
 * SVIDs for the server, the demo agent and the demo operator, a sample policy and a provider.
 * Existing keys and policies are kept; expiring certificates are minted again.
 */
export async function prepareDevFiles(
  dir: string,
  grpcListen: string,
  httpListen: string,
  databases: readonly DevDatabase[] = [],
): Promise<DevFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const p = (name: string) => join(dir, name);
  const now = Date.now();

  let authority: DevAuthority;
  if (await fresh(p('ca.pem'), now)) {
    authority = await DevAuthority.load(await readFile(p('ca.pem'), 'utf8'), await readFile(p('ca-key.pem'), 'utf8'));
  } else {
    authority = await DevAuthority.create(DEV_TRUST_DOMAIN, { ttlMs: CA_TTL_MS });
    await writeAtomic(p('ca-key.pem'), authority.keyPem, 0o600);
    await writeAtomic(p('ca.pem'), authority.certPem, 0o644);
    await writeAtomic(p('bundle.pem'), authority.certPem, 0o644);
  }
  const caChanged = !(await fresh(p('bundle.pem'), now)) || (await readFile(p('bundle.pem'), 'utf8')) !== authority.certPem;
  if (caChanged) await writeAtomic(p('bundle.pem'), authority.certPem, 0o644);

  // The JWT-SVID authority, and the SPIFFE bundle (JWK Set) holding both authorities of the trust domain.
  let jwtAuthority: DevJwtAuthority;
  if (existsSync(p(DEV_JWT_AUTHORITY_KEY))) jwtAuthority = DevJwtAuthority.load(await readFile(p(DEV_JWT_AUTHORITY_KEY), 'utf8'));
  else {
    jwtAuthority = DevJwtAuthority.create();
    await writeAtomic(p(DEV_JWT_AUTHORITY_KEY), jwtAuthority.keyPem, 0o600);
  }
  await writeSpiffeBundle(p(DEV_SPIFFE_BUNDLE), authority, jwtAuthority);

  const svids: [string, string, { dnsNames?: string[]; ipAddresses?: string[] }][] = [
    ['server', DEV_SERVER_ID, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'] }],
    ['agent', DEV_AGENT_ID, {}],
    ['operator', DEV_OPERATOR_ID, {}],
  ];
  for (const [name, id, extra] of svids) {
    const certFile = p(`${name}.pem`);
    if (!caChanged && (await fresh(certFile, now))) continue;
    const svid = await authority.issueX509Svid(id, { ttlMs: SVID_TTL_MS, ...extra });
    await writeAtomic(p(`${name}-key.pem`), svid.keyPem, 0o600);
    await writeAtomic(certFile, svid.chainPem, 0o644);
  }

  const policies = p('policies');
  await mkdir(policies, { recursive: true });
  if (!existsSync(join(policies, 'schema.cedarschema'))) await writeAtomic(join(policies, 'schema.cedarschema'), WARRANT_SCHEMA, 0o644);
  if (!existsSync(join(policies, 'demo.cedar'))) await writeAtomic(join(policies, 'demo.cedar'), DEV_POLICY, 0o644);
  // Regenerated at each start: its object names follow PG_URL and MYSQL_URL.
  if (databases.length > 0) await writeAtomic(join(policies, 'dev-databases.cedar'), devDatabasePolicy(DEV_AGENT_ID, databases), 0o644);

  const secretFile = p(`introspect-${DEV_INTROSPECTION_CLIENT}.secret`);
  if (!existsSync(secretFile)) await writeAtomic(secretFile, randomBytes(24).toString('base64url') + '\n', 0o600);

  const config = {
    grpc: { listen: grpcListen, certFile: 'server.pem', keyFile: 'server-key.pem' },
    http: { listen: httpListen },
    identity: {
      trustBundles: [{ trustDomain: DEV_TRUST_DOMAIN, bundleFile: DEV_SPIFFE_BUNDLE, format: 'spiffe' }],
      jwt: { audience: [DEV_JWT_AUDIENCE] },
      admins: [DEV_OPERATOR_ID],
    },
    policy: { dir: 'policies' },
    store: { kind: 'memory' },
    audit: { file: 'audit.log', hmacKeyFile: 'audit-hmac.key' },
    providers: {
      [DEV_PROVIDER]: {
        kind: 'oauth-jwt',
        issuer: `http://${httpListen}`,
        audience: 'https://demo-api.example.org',
        scopes: ['orders:read', 'orders:write'],
        defaultScopes: ['orders:read'],
        defaultTtl: '5m',
        maxTtl: '1h',
        signingKeyFile: `${DEV_PROVIDER}-signing-key.pem`,
      },
      ...Object.fromEntries(databases.map((d) => [d.provider, d.config])),
    },
    introspection: { clients: [{ id: DEV_INTROSPECTION_CLIENT, secretFile: `introspect-${DEV_INTROSPECTION_CLIENT}.secret` }] },
  };
  const configFile = p('config.yaml');
  await writeAtomic(configFile, `# Generated by \`warrant dev\` at each start; edit policies/ instead.\n${stringify(config)}`, 0o644);
  return { dir, configFile };
}
