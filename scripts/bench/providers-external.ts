// Mint and revoke throughput of the aws-sts and oauth-client providers, called directly (no gRPC, no
// lease store): ops/s and p50/p99 latency at 1 and at 16 in flight. aws-sts runs against the local
// STS/IAM emulator (the real AWS SDK over HTTP, every request SigV4-verified); oauth-client against
// node-oidc-provider on 127.0.0.1 (client_credentials and RFC 8693 token exchange). Both servers run
// in this process, so the figures include their cost: they bound warrant's overhead, they do not
// predict latency to AWS or to a remote authorization server.
//
//   npx tsx scripts/bench/providers-external.ts [--count N] [--seconds S] [--only aws-sts|oauth-client] [--json]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newLeaseId, type Clock } from '../../src/core/index.js';
import { AwsStsProvider, OAuthClientProvider, parseAwsStsConfig, parseOAuthClientConfig, type CredentialProvider } from '../../src/providers/index.js';
import { AwsEmulator } from '../../test/support/aws-emulator.js';
import { ASSERTION_ISSUER, CLIENT_SECRET, RESOURCE, startOAuthWorld } from '../../test/providers/oauth-client-fixtures.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '10' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const COUNT = Number(values.count);
const SECONDS = Number(values.seconds);
const CONCURRENCY = [1, 16] as const;
const clock: Clock = { now: () => Date.now() };
// Test-only key pair of the emulator; nothing real.
const AWS_KEY = { id: 'AKIAWARRANTBENCH0001', secret: 'warrant-bench-secret-0123456789abcdefghij' };

interface Phase {
  readonly ops: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

interface Row extends Phase {
  readonly target: string;
  readonly op: 'mint' | 'revoke';
  readonly concurrency: number;
}

interface Target {
  readonly label: string;
  readonly provider: CredentialProvider;
  readonly scope: readonly string[];
  readonly ttlMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `op` over items with `concurrency` in flight until the items or the time budget run out. */
async function measure<T>(items: readonly T[], concurrency: number, op: (item: T) => Promise<void>): Promise<Phase & { done: T[] }> {
  const latencies: number[] = [];
  const done: T[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < items.length && performance.now() < deadline) {
      const item = items[next++]!;
      const t0 = performance.now();
      await op(item);
      latencies.push(performance.now() - t0);
      done.push(item);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { ops: latencies.length, seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), done };
}

/** Each round gets a fresh target: an aws-sts round must not start with the previous round's revocations. */
async function bench(label: string, fresh: () => Promise<Target>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const concurrency of CONCURRENCY) {
    const target = await fresh();
    const requests = Array.from({ length: COUNT }, () => {
      const issuedAt = clock.now();
      return {
        leaseId: newLeaseId(issuedAt),
        owner: 'spiffe://bench.example/agents/a',
        trustDomain: 'bench.example',
        taskId: 'bench-task',
        scope: target.scope,
        issuedAt,
        expiresAt: issuedAt + target.ttlMs,
      };
    });
    const expiry = new Map<string, number>();
    const mint = await measure(requests, concurrency, async (r) => {
      expiry.set(r.leaseId, (await target.provider.mint(r)).expiresAt);
    });
    rows.push({ target: label, op: 'mint', concurrency, ...mint });
    const revoke = await measure(mint.done, concurrency, async (r) => {
      await target.provider.revoke({ leaseId: r.leaseId, handle: target.provider.handleFor(r.leaseId), expiresAt: expiry.get(r.leaseId)! });
    });
    rows.push({ target: label, op: 'revoke', concurrency, ...revoke });
  }
  return rows;
}

interface Suite {
  readonly targets: { readonly label: string; fresh(): Promise<Target> }[];
  close(): Promise<void>;
}

async function awsSuite(): Promise<Suite> {
  const roles = CONCURRENCY.map((c) => ({ name: `bench-${c}`, maxSessionDuration: 3600 }));
  const emulator = await AwsEmulator.start({ accessKeyId: AWS_KEY.id, secretAccessKey: AWS_KEY.secret, roles });
  const providers: CredentialProvider[] = [];
  let round = 0;
  const fresh = async (): Promise<Target> => {
    const role = roles[round++ % roles.length]!.name;
    const config = parseAwsStsConfig(
      {
        kind: 'aws-sts',
        roleArn: emulator.roleArn(role),
        region: 'us-east-1',
        endpoint: emulator.endpoint,
        iamEndpoint: emulator.endpoint,
        accessKeyIdEnv: 'BENCH_AWS_KEY_ID',
        secretAccessKeyEnv: 'BENCH_AWS_SECRET',
        ceiling: { 'arn:aws:s3:::bench/*': ['s3:GetObject', 's3:ListBucket'] },
        maxAttempts: 1,
      },
      'providers.bench-aws',
    );
    const provider = await AwsStsProvider.create('bench-aws', config, { clock, env: { BENCH_AWS_KEY_ID: AWS_KEY.id, BENCH_AWS_SECRET: AWS_KEY.secret } });
    providers.push(provider);
    return { label: 'aws-sts', provider, scope: provider.resolveScope(['s3:GetObject=arn:aws:s3:::bench/reports/*']), ttlMs: 900_000 };
  };
  return {
    targets: [{ label: 'aws-sts', fresh }],
    async close() {
      for (const p of providers) await p.close();
      await emulator.close();
    },
  };
}

async function oauthSuite(): Promise<Suite> {
  const dir = await mkdtemp(join(tmpdir(), 'warrant-bench-oauth-'));
  const world = await startOAuthWorld(dir);
  const base = {
    kind: 'oauth-client',
    issuer: world.server.issuer,
    clientId: 'warrant',
    clientAuth: 'client_secret_basic',
    clientSecretEnv: 'BENCH_CLIENT_SECRET',
    scopes: ['orders:read', 'orders:write'],
    resource: RESOURCE,
  };
  const env = { BENCH_CLIENT_SECRET: CLIENT_SECRET };
  const credentials = await OAuthClientProvider.create('bench-cc', parseOAuthClientConfig(base, 'providers.bench-cc'), { clock, env });
  const exchange = await OAuthClientProvider.create(
    'bench-exchange',
    parseOAuthClientConfig({ ...base, grant: 'token_exchange', assertionKeyFile: world.assertionKeyFile, assertionIssuer: ASSERTION_ISSUER }, 'providers.bench-exchange'),
    { clock, env },
  );
  const target = (label: string, provider: CredentialProvider) => ({ label, fresh: async () => ({ label, provider, scope: ['orders:read'], ttlMs: 120_000 }) });
  return {
    targets: [target('oauth-client (client_credentials)', credentials), target('oauth-client (token exchange)', exchange)],
    async close() {
      await credentials.close();
      await exchange.close();
      await world.server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const rows: Row[] = [];
for (const [kind, open] of [['aws-sts', awsSuite], ['oauth-client', oauthSuite]] as const) {
  if (values.only !== undefined && values.only !== kind) continue;
  const suite = await open();
  try {
    for (const t of suite.targets) rows.push(...(await bench(t.label, t.fresh)));
  } finally {
    await suite.close();
  }
}

if (values.json) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  console.log(`external providers: ${COUNT} operations or ${SECONDS}s per phase, whichever ends first`);
  console.log(`${'target'.padEnd(36)}${'op'.padEnd(8)}${'in flight'.padStart(10)}${'ops'.padStart(7)}${'ops/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}`);
  for (const r of rows) {
    console.log(
      `${r.target.padEnd(36)}${r.op.padEnd(8)}${String(r.concurrency).padStart(10)}${String(r.ops).padStart(7)}${(r.ops / r.seconds).toFixed(0).padStart(9)}${r.p50Ms.toFixed(1).padStart(9)}${r.p99Ms.toFixed(1).padStart(9)}`,
    );
  }
}
