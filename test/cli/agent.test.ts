// `warrant agent` end to end, as a separate process beside a real warrant server: it writes the
// files with the right mode and content, renews them, deletes them when an operator revokes the
// task from the CLI, cleans up on SIGTERM, and rides out a warrant outage.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_ID, OPERATOR_ID, SERVER_ID, eventually, startHarness, type Harness } from '../support/harness.js';
import { WRITES_NEED_APPROVAL } from '../support/approval-policy.js';
import { run, startUntil, stop } from '../support/processes.js';

const ROOT = join(import.meta.dirname, '..', '..');
const ENTRY = join(ROOT, 'test', 'support', 'warrant-from-src.ts');
const REDIS_URL = process.env['WARRANT_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const runId = Date.now().toString(36);

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function api(socket: string, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ socketPath: socket, method, path, headers: text === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

async function writeSvid(h: Harness, dir: string, spiffeId: string, name: string): Promise<{ cert: string; key: string; bundle: string }> {
  const svid = await h.authority.issueX509Svid(spiffeId);
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`), bundle: join(dir, 'bundle.pem') };
  writeFileSync(files.cert, svid.chainPem);
  writeFileSync(files.key, svid.keyPem, { mode: 0o600 });
  writeFileSync(files.bundle, h.authority.certPem);
  return files;
}

interface Agent {
  child: ChildProcess;
  output: () => string;
  socket: string;
  dir: string;
}

async function startAgent(h: Harness, name: string, config: (dir: string) => Record<string, unknown>, extraArgs: string[] = []): Promise<Agent> {
  const dir = mkdtempSync(join(tmpdir(), `warrant-agent-${name}-`));
  const svid = await writeSvid(h, dir, AGENT_ID, 'agent');
  const socket = join(dir, 'run', 'agent.sock');
  const full = {
    warrant: { server: h.grpcAddress, serverId: SERVER_ID, timeout: '2s' },
    svid: { certFile: svid.cert, keyFile: svid.key, bundleFile: svid.bundle, pollInterval: '1s' },
    api: { socket },
    log: { level: 'debug' },
    ...config(dir),
  };
  writeFileSync(join(dir, 'agent.yaml'), stringify(full));
  const { child, output } = await startUntil(process.execPath, ['--import', 'tsx', ENTRY, 'agent', '--config', join(dir, 'agent.yaml'), ...extraArgs], /local API listening/, { cwd: ROOT });
  return { child, output, socket, dir };
}

async function ready(agent: Agent): Promise<void> {
  await eventually(async () => ((await api(agent.socket, 'GET', '/readyz')).status === 200 ? true : undefined), 20_000);
}

async function operatorCli(h: Harness, dir: string, ...args: string[]) {
  // The operator's files live apart: rewriting the agent's bundle.pem would look like a rotation.
  const op = await writeSvid(h, mkdtempSync(join(dir, 'operator-')), OPERATOR_ID, 'operator');
  return run(process.execPath, ['--import', 'tsx', ENTRY, ...args, '--server', h.grpcAddress, '--svid', op.cert, '--svid-key', op.key, '--bundle', op.bundle, '--server-id', SERVER_ID, '--json'], {
    cwd: ROOT,
  });
}

function secretsIn(text: string, tokens: readonly string[]): string[] {
  // A JWT's signature and payload are each secret enough to look for.
  return tokens.flatMap((t) => t.split('.').slice(1)).filter((part) => part.length > 8 && text.includes(part));
}

describe('warrant agent (memory store)', () => {
  let h: Harness;
  let agent: Agent;
  const seen: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    agent = await startAgent(h, 'e2e', (dir) => ({
      task: { id: `agent-task-${runId}`, purpose: 'summarise orders', attributes: { environment: 'dev' } },
      renewal: { fraction: 0.5, jitter: 0.1, retryInitial: '200ms', retryMax: '1s' },
      credentials: {
        orders: {
          provider: 'orders-api',
          scope: ['orders:read'],
          ttl: '3s',
          sinks: [
            { file: 'out/orders.token', format: 'token' },
            { file: 'out/orders.env', format: 'env', prefix: 'ORDERS_' },
            { command: ['sh', '-c', 'cat > "$0"; echo "$WARRANT_EVENT" >> "$0.events"', join(dir, 'out/orders.json')], format: 'json' },
          ],
        },
        reports: {
          provider: 'orders-api',
          scope: ['orders:write'],
          ttl: '1h',
          sinks: [{ file: 'out/reports.header', template: 'Authorization: {{token_type}} {{access_token}}\n', mode: '0640' }],
        },
      },
    }));
  });
  afterAll(async () => {
    if (agent !== undefined) await stop(agent.child, 'SIGKILL');
    await h.close();
    if (agent !== undefined) rmSync(agent.dir, { recursive: true, force: true });
  });

  it('writes each credential to its files with the right mode and content', async () => {
    await ready(agent);
    const token = readFileSync(join(agent.dir, 'out/orders.token'), 'utf8');
    seen.push(token);
    expect(statSync(join(agent.dir, 'out/orders.token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(agent.dir, 'out/orders.env')).mode & 0o777).toBe(0o600);
    expect(statSync(join(agent.dir, 'out/reports.header')).mode & 0o777).toBe(0o640);
    expect(statSync(join(agent.dir, 'run')).mode & 0o777).toBe(0o700);
    expect(statSync(agent.socket).mode & 0o777).toBe(0o600);
    expect(statSync(agent.socket).isSocket()).toBe(true);

    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: AGENT_ID, scope: 'orders:read', task_id: `agent-task-${runId}` });
    expect(await h.introspect(token)).toMatchObject({ active: true });
    expect(readFileSync(join(agent.dir, 'out/orders.env'), 'utf8')).toMatch(new RegExp(`^ORDERS_ACCESS_TOKEN=[A-Za-z0-9._-]+\nORDERS_TOKEN_TYPE=Bearer\n$`));
    const header = readFileSync(join(agent.dir, 'out/reports.header'), 'utf8');
    expect(header).toMatch(/^Authorization: Bearer [A-Za-z0-9._-]+\n$/);
    seen.push(header.split(' ')[2]!.trim());
    expect(decodeJwt(header.split(' ')[2]!.trim()).scope).toBe('orders:write');
    await eventually(async () => (existsSync(join(agent.dir, 'out/orders.json')) ? true : undefined));
    const json = JSON.parse(readFileSync(join(agent.dir, 'out/orders.json'), 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ kind: 'oauth_token', provider: 'orders-api', tokenType: 'Bearer' });
    expect(readFileSync(join(agent.dir, 'out/orders.json.events'), 'utf8').split('\n')[0]).toBe('issued');
  });

  it('renews before expiry and rewrites the file with each fresh token', async () => {
    const first = readFileSync(join(agent.dir, 'out/orders.token'), 'utf8');
    const fresh = await eventually(async () => {
      const t = readFileSync(join(agent.dir, 'out/orders.token'), 'utf8');
      return t !== first ? t : undefined;
    }, 20_000);
    seen.push(fresh);
    expect(decodeJwt(fresh).jti).toBe(decodeJwt(first).jti);
    expect(await h.introspect(fresh)).toMatchObject({ active: true });
    const leases = (await api(agent.socket, 'GET', '/v1/leases')).body['leases'] as { id: string; renewals: number; provider: string }[];
    expect(leases.find((l) => l.id === decodeJwt(first).jti)!.renewals).toBeGreaterThanOrEqual(1);
    expect(statSync(join(agent.dir, 'out/orders.token')).mode & 0o777).toBe(0o600);
  });

  it('serves the local API: status without secrets, credentials on request', async () => {
    const health = await api(agent.socket, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', task: { id: `agent-task-${runId}`, state: 'open' } });
    const warrant = health.body['warrant'] as { streams: Record<string, number> };
    expect(warrant.streams).toEqual({ WatchLeases: 1 });
    const list = await api(agent.socket, 'GET', '/v1/credentials');
    expect((list.body['credentials'] as { name: string; state: string }[]).map((c) => [c.name, c.state])).toEqual([
      ['orders', 'active'],
      ['reports', 'active'],
    ]);
    const onDemand = await api(agent.socket, 'POST', '/v1/credentials', { provider: 'orders-api', scope: ['orders:write'], ttl: 60, name: 'adhoc' });
    expect(onDemand.status).toBe(200);
    const delivered = onDemand.body as { name: string; lease: { id: string; taskId: string }; credential: { kind: string; accessToken: string } };
    expect(delivered.name).toBe('adhoc');
    expect(delivered.lease.taskId).toBe(`agent-task-${runId}`);
    seen.push(delivered.credential.accessToken);
    const again = await api(agent.socket, 'GET', '/v1/credentials/adhoc');
    expect((again.body['lease'] as { id: string }).id).toBe(delivered.lease.id);
    const configured = await api(agent.socket, 'POST', '/v1/credentials', { name: 'reports' });
    expect((configured.body['credential'] as { kind: string }).kind).toBe('oauth_token');
    const denied = await api(agent.socket, 'POST', '/v1/credentials', { provider: 'nope' });
    expect(denied).toEqual({ status: 404, body: { error: { code: 'ERR_PROVIDER_NOT_FOUND', message: expect.stringContaining('nope') } } });
    expect(await api(agent.socket, 'GET', '/v1/nothing')).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: "no GET /v1/nothing; see the README's local API table" } },
    });
    const status = JSON.stringify((await api(agent.socket, 'GET', '/v1/credentials')).body) + JSON.stringify((await api(agent.socket, 'GET', '/healthz')).body);
    expect(secretsIn(status, seen)).toEqual([]);
  });

  it('removes the files at once when an operator revokes the task from the CLI, and says so', async () => {
    const leases = (await api(agent.socket, 'GET', '/v1/leases')).body['leases'] as { id: string }[];
    expect(leases).toHaveLength(3);
    const res = await operatorCli(h, agent.dir, 'revoke', '--task', `agent-task-${runId}`, '--reason', 'incident 7', '--yes');
    expect(res.code).toBe(0);
    const summary = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .pop()!;
    expect(summary).toMatchObject({ matched: 3, failed: 0 });
    // A credential's files go one after another: wait for every one of them.
    const files = ['out/orders.token', 'out/orders.env', 'out/reports.header'].map((f) => join(agent.dir, f));
    await eventually(async () => (files.every((f) => !existsSync(f)) ? true : undefined));
    await eventually(async () => (readFileSync(join(agent.dir, 'out/orders.json.events'), 'utf8').includes('removed') ? true : undefined));
    const health = await api(agent.socket, 'GET', '/healthz');
    const creds = health.body['credentials'] as { name: string; state: string; trigger?: string }[];
    expect(creds.map((c) => [c.name, c.state, c.trigger])).toEqual([
      ['orders', 'revoked', 'operator'],
      ['reports', 'revoked', 'operator'],
      ['adhoc', 'revoked', 'operator'],
    ]);
    expect((await api(agent.socket, 'GET', '/readyz')).status).toBe(503);
    const lines = agent
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const revoked = lines.filter((l) => l['msg'] === 'credential revoked by warrant; removing its files');
    expect(revoked.map((l) => [l['name'], l['trigger'], l['reason']]).sort()).toEqual([
      ['adhoc', 'operator', 'incident 7'],
      ['orders', 'operator', 'incident 7'],
      ['reports', 'operator', 'incident 7'],
    ]);
  }, 120_000);

  it('never logs a secret', () => {
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(secretsIn(agent.output(), seen)).toEqual([]);
    expect(agent.output()).toContain('"msg":"lease renewed"');
  });
});

describe('warrant agent on SIGTERM', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('completes the task, revoking every lease, removes its files and its socket, and exits 0', async () => {
    const task = `sigterm-${runId}`;
    const agent = await startAgent(
      h,
      'sigterm',
      () => ({
        credentials: {
          a: { provider: 'orders-api', ttl: '10m', sinks: [{ file: 'out/a.token', format: 'token' }] },
          b: { provider: 'orders-api', ttl: '10m', sinks: [{ file: 'out/b.json', format: 'json' }] },
        },
      }),
      ['--task', task],
    );
    try {
      await ready(agent);
      const leases = (await api(agent.socket, 'GET', '/v1/leases')).body['leases'] as { id: string }[];
      const token = readFileSync(join(agent.dir, 'out/a.token'), 'utf8');
      expect(await stop(agent.child, 'SIGTERM')).toBe(0);
      expect(existsSync(join(agent.dir, 'out/a.token'))).toBe(false);
      expect(existsSync(join(agent.dir, 'out/b.json'))).toBe(false);
      expect(existsSync(agent.socket)).toBe(false);
      const operator = await h.client(OPERATOR_ID);
      for (const l of leases) {
        const lease = (await operator.getLease(l.id)).lease!;
        expect([lease.state, lease.trigger]).toEqual(['LEASE_STATE_REVOKED', 'TRIGGER_TASK_COMPLETED']);
      }
      expect(await h.introspect(token)).toEqual({ active: false });
      expect(agent.output()).toContain('"msg":"task completed"');
    } finally {
      await stop(agent.child, 'SIGKILL');
      rmSync(agent.dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('completes on POST /v1/complete and waits for the next task (POST /v1/task)', async () => {
    const agent = await startAgent(h, 'complete', () => ({ credentials: { a: { provider: 'orders-api', ttl: '10m', sinks: [{ file: 'out/a.token', format: 'token' }] } } }));
    try {
      expect(await api(agent.socket, 'GET', '/readyz')).toEqual({ status: 503, body: { ready: false, waiting: ['no task'] } });
      expect((await api(agent.socket, 'POST', '/v1/task', { id: `first-${runId}`, purpose: 'one' })).status).toBe(201);
      await ready(agent);
      expect((await api(agent.socket, 'POST', '/v1/task', { id: `second-${runId}` })).body).toEqual({
        error: { code: 'TASK_OPEN', message: `task first-${runId} is still open; complete it first` },
      });
      const done = await api(agent.socket, 'POST', '/v1/complete');
      expect(done.status).toBe(200);
      expect((done.body['leases'] as { state: string; trigger: string }[]).map((l) => [l.state, l.trigger])).toEqual([['revoked', 'task_completed']]);
      expect(existsSync(join(agent.dir, 'out/a.token'))).toBe(false);
      expect((await api(agent.socket, 'POST', '/v1/task', { id: `second-${runId}` })).status).toBe(201);
      await ready(agent);
      expect(decodeJwt(readFileSync(join(agent.dir, 'out/a.token'), 'utf8')).task_id).toBe(`second-${runId}`);
      expect(await stop(agent.child, 'SIGTERM')).toBe(0);
      expect(existsSync(join(agent.dir, 'out/a.token'))).toBe(false);
    } finally {
      await stop(agent.child, 'SIGKILL');
      rmSync(agent.dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('warrant agent while warrant is unavailable (Redis store)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ redisUrl: REDIS_URL });
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps the still-valid credential, retries, says so in health, and recovers without a restart', async () => {
    const agent = await startAgent(
      h,
      'outage',
      () => ({
        renewal: { fraction: 0.15, jitter: 0, retryInitial: '200ms', retryMax: '500ms' },
        credentials: { orders: { provider: 'orders-api', ttl: '20s', sinks: [{ file: 'out/orders.token', format: 'token' }] } },
      }),
      ['--task', `outage-${runId}`],
    );
    try {
      await ready(agent);
      const file = join(agent.dir, 'out/orders.token');
      const leaseId = decodeJwt(readFileSync(file, 'utf8')).jti;

      await h.pause();
      const degraded = await eventually(async () => {
        const body = (await api(agent.socket, 'GET', '/healthz')).body;
        return body['status'] === 'degraded' ? body : undefined;
      }, 20_000);
      const cred = (degraded['credentials'] as { state: string; lastError: { code: string }; leaseId: string }[])[0]!;
      expect(cred.state).toBe('retrying');
      expect(cred.leaseId).toBe(leaseId);
      expect(cred.lastError.code).toBe('UNAVAILABLE');
      const kept = readFileSync(file, 'utf8');
      expect(decodeJwt(kept).jti).toBe(leaseId);
      expect(agent.output()).toContain('"msg":"lease renewal failed; retrying"');

      await h.resume();
      await eventually(async () => ((await api(agent.socket, 'GET', '/healthz')).body['status'] === 'ok' ? true : undefined), 20_000);
      const after = await eventually(async () => {
        const t = readFileSync(file, 'utf8');
        return t !== kept ? t : undefined;
      }, 20_000);
      expect(decodeJwt(after).jti).toBe(leaseId);
      expect(await h.introspect(after)).toMatchObject({ active: true, jti: leaseId });
      expect((await api(agent.socket, 'GET', '/readyz')).status).toBe(200);
      expect(await stop(agent.child, 'SIGTERM')).toBe(0);
      expect(existsSync(file)).toBe(false);
    } finally {
      await stop(agent.child, 'SIGKILL');
      rmSync(agent.dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('warrant agent behind an approval gate', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ policy: WRITES_NEED_APPROVAL, tasks: { approvals: { maxWait: '1s' } } });
  });
  afterAll(async () => {
    await h.close();
  });

  async function pendingApproval(agent: Agent): Promise<string> {
    return eventually(async () => /"approvalId":"([^"]+)"[^\n]*waiting for a human approval/.exec(agent.output())?.[1], 20_000);
  }

  it('says which approval it waits for, and writes the credential once an operator approves', async () => {
    const agent = await startAgent(h, 'approve', () => ({
      task: { id: `gated-${runId}`, purpose: 'write the weekly report' },
      credentials: { writer: { provider: 'orders-api', scope: ['orders:write'], ttl: '10m', sinks: [{ file: 'out/writer.token', format: 'token' }] } },
    }));
    try {
      const approvalId = await pendingApproval(agent);
      expect(agent.output()).toContain(`warrant approvals approve ${approvalId}`);
      expect(existsSync(join(agent.dir, 'out/writer.token'))).toBe(false);
      const operator = await h.client(OPERATOR_ID);
      await operator.decideApproval(approvalId, 'approve', 'weekly report');
      operator.close();
      await ready(agent);
      expect(decodeJwt(readFileSync(join(agent.dir, 'out/writer.token'), 'utf8')).scope).toBe('orders:write');
    } finally {
      await stop(agent.child, 'SIGKILL');
      rmSync(agent.dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('stops asking once an approver denies it', async () => {
    const task = `denied-${runId}`;
    const agent = await startAgent(h, 'deny', () => ({
      task: { id: task, purpose: 'write the weekly report' },
      renewal: { retryInitial: '100ms', retryMax: '200ms' },
      credentials: { writer: { provider: 'orders-api', scope: ['orders:write'], ttl: '10m', sinks: [{ file: 'out/writer.token', format: 'token' }] } },
    }));
    try {
      const approvalId = await pendingApproval(agent);
      const operator = await h.client(OPERATOR_ID);
      await operator.decideApproval(approvalId, 'deny', 'not this week');
      await eventually(async () => (agent.output().includes('not asking again') ? true : undefined), 20_000);
      expect(agent.output()).toContain('not this week');
      // Well past several retry intervals: no second request reached a person.
      await new Promise((r) => setTimeout(r, 1_000));
      const listed = await operator.listApprovals({ task_id: task, states: ['APPROVAL_STATE_PENDING', 'APPROVAL_STATE_DENIED', 'APPROVAL_STATE_APPROVED'] });
      operator.close();
      expect(listed.approvals.map((a) => a.id)).toEqual([approvalId]);
      expect((await api(agent.socket, 'GET', '/readyz')).status).toBe(503);
      expect(existsSync(join(agent.dir, 'out/writer.token'))).toBe(false);
    } finally {
      await stop(agent.child, 'SIGKILL');
      rmSync(agent.dir, { recursive: true, force: true });
    }
  }, 90_000);
});
