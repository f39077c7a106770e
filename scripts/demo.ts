// `npm run demo`: acts as the demo agent against a server started with `npm start` (warrant dev).
// Issues a token, introspects it, renews it, completes the task and introspects again.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WarrantClient } from '../src/client/index.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '.warrant/dev' },
    'grpc-listen': { type: 'string', default: '127.0.0.1:8443' },
    'http-listen': { type: 'string', default: '127.0.0.1:8080' },
  },
});
const dir = values.dir;
const http = `http://${values['http-listen']}`;

function step(title: string, detail: string): void {
  process.stdout.write(`\n▸ ${title}\n${detail.replace(/^/gm, '  ')}\n`);
}

function fail(message: string): never {
  process.stderr.write(`\ndemo failed: ${message}\n`);
  process.exit(1);
}

async function introspect(token: string): Promise<Record<string, unknown>> {
  const secret = readFileSync(join(dir, 'introspect-demo-api.secret'), 'utf8').trim();
  const res = await fetch(`${http}/introspect`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`demo-api:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }).toString(),
  });
  if (!res.ok) fail(`introspection answered HTTP ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

const iso = (ts: { seconds: string } | null | undefined) => (ts ? new Date(Number(ts.seconds) * 1000).toISOString() : '?');

let client: WarrantClient;
try {
  client = WarrantClient.fromFiles({
    server: values['grpc-listen'],
    svidFile: join(dir, 'agent.pem'),
    svidKeyFile: join(dir, 'agent-key.pem'),
    bundleFile: join(dir, 'bundle.pem'),
    serverId: 'spiffe://example.org/warrant',
  });
} catch (err) {
  fail(`cannot read the dev files in ${dir} (${(err as Error).message}); start the server with \`npm start\` first`);
}

const taskId = `demo-${randomBytes(4).toString('hex')}`;
try {
  const issued = await client.issueTaskCredential({
    task: { id: taskId, purpose: 'summarise last week\'s orders', attributes: { environment: 'dev' }, parent_id: '' },
    provider: 'demo-api',
    scope: ['orders:read'],
    ttl: { seconds: '300', nanos: 0 },
    idempotency_key: `${taskId}-1`,
  });
  const lease = issued.lease!;
  const token = issued.credential?.oauth_token?.access_token ?? fail('no token in the reply');
  step(
    `1. IssueTaskCredential as spiffe://example.org/agents/demo for task ${taskId}`,
    `lease ${lease.id}  state ${lease.state}  scope ${lease.scope.join(' ')}\nexpires ${iso(lease.expires_at)}  (max ${iso(lease.max_expires_at)})\ntoken ${token.slice(0, 24)}… (${token.length} characters, shown once)`,
  );

  const before = await introspect(token);
  step('2. Introspect the token (RFC 7662)', JSON.stringify(before));
  if (before['active'] !== true) fail('a fresh token should introspect active');

  const renewed = await client.renewLease(lease.id, 600);
  step('3. RenewLease by 10 minutes', `expires ${iso(renewed.lease!.expires_at)}  renewals ${renewed.lease!.renewals}  (a fresh token with the same jti came back)`);

  const done = await client.completeTask(taskId);
  step('4. CompleteTask', done.leases.map((l) => `lease ${l.id}  ${l.state}  trigger ${l.trigger}`).join('\n'));

  const after = await introspect(token);
  step('5. Introspect the token again', JSON.stringify(after));
  if (after['active'] !== false) fail('a token of a completed task should introspect inactive');

  process.stdout.write('\ndemo complete: issued, introspected, renewed, completed, revoked.\n');
} catch (err) {
  fail((err as Error).message);
} finally {
  client.close();
}
