import { readFileSync } from 'node:fs';
import { verifyChain } from '../audit/index.js';
import { WarrantClientError } from '../client/index.js';
import { loadServerConfig } from '../config/index.js';
import { WarrantError } from '../core/index.js';
import { startServer, type RunningServer } from '../main.js';
import { AGENT_HELP, cmdAgent } from './agent/agent-command.js';
import { connect, CONNECTION_OPTIONS, type ConnectionFlags } from './connection.js';
import { durationFlag as duration, parseFlags as parse } from './flags.js';
import { prepareDevDatabases } from './dev-databases.js';
import {
  DEFAULT_DEV_DIR,
  DEFAULT_GRPC_LISTEN,
  DEFAULT_HTTP_LISTEN,
  DEV_AGENT_ID,
  DEV_JWT_AUDIENCE,
  DEV_PROVIDER,
  mintDevJwtSvid,
  prepareDevFiles,
} from './dev-files.js';
import { LEASES_HELP, cmdLeases } from './leases-command.js';
import { ISSUE_HELP, cmdIssue } from './issue-command.js';
import { credentialJson, leaseJson, leaseLines } from './present.js';
import { REVOKE_HELP, cmdRevoke } from './revoke-command.js';
import { APPROVALS_HELP, cmdApprovals } from './approvals-command.js';
import { POLICY_HELP, cmdPolicy } from './policy-command.js';
import { TASK_HELP, cmdTask } from './task-command.js';
import { UsageError } from './usage-error.js';

const HELP = `warrant — just-in-time credentials for AI agents

Server:
  warrant dev   [--dir DIR] [--grpc-listen ADDR] [--http-listen ADDR]
                  dev trust domain and in-memory store (Redis when REDIS_URL is set);
                  providers dev-postgres / dev-mysql when PG_URL / MYSQL_URL are set
  warrant dev jwt-svid [--dir DIR] [--spiffe-id ID] [--audience A] [--ttl DURATION]
                  prints a JWT-SVID from the dev JWT authority (default: the demo agent, 5m)
  warrant serve --config FILE

Agents and people (connection: --dir DIR [--as agent|operator], or
  --server ADDR --svid CERT --svid-key KEY --bundle PEM [--server-id SPIFFE_ID], or
  --jwt-svid TOKEN [--dir DIR | --server ADDR --bundle PEM]: TLS without a client
  certificate, the JWT-SVID as authorization: Bearer; a token on a command line is
  visible to other local users, so keep this for trying things out):
${ISSUE_HELP}
  warrant renew LEASE [--increment DURATION] [--json]
  warrant complete TASK [--json]
  warrant lease show LEASE [--json]
  warrant lease revoke LEASE [--reason TEXT] [--json]
${TASK_HELP}

Operators (connection as above; --dir defaults to --as operator):
${LEASES_HELP}
${REVOKE_HELP}
${APPROVALS_HELP}

Policy authors and CI (no server needed):
${POLICY_HELP}

Sidecar (beside one workload):
${AGENT_HELP}

Audit:
  warrant audit verify FILE

Durations: 90s, 15m, 1h30m.`;

function print(json: boolean, value: Record<string, unknown>, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

async function serveUntilSignal(running: RunningServer): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      running.log.info({ signal }, 'shutting down');
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      running.close().then(resolve, resolve);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    // SIGHUP reloads the policy directory; the outcome is logged by the reloader.
    const onHup = () => void running.policy.reload('signal');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
  });
}

async function cmdDevJwtSvid(args: string[]): Promise<void> {
  const { values } = parse(args, {
    dir: { type: 'string', default: DEFAULT_DEV_DIR },
    'spiffe-id': { type: 'string', default: DEV_AGENT_ID },
    audience: { type: 'string', default: DEV_JWT_AUDIENCE },
    ttl: { type: 'string', default: '5m' },
  });
  const ttl = duration(values.ttl, '--ttl')!;
  process.stdout.write(`${await mintDevJwtSvid(values.dir, values['spiffe-id'], values.audience, ttl)}\n`);
}

async function cmdDev(args: string[]): Promise<void> {
  if (args[0] === 'jwt-svid') return cmdDevJwtSvid(args.slice(1));
  const { values } = parse(args, {
    dir: { type: 'string', default: DEFAULT_DEV_DIR },
    'grpc-listen': { type: 'string', default: DEFAULT_GRPC_LISTEN },
    'http-listen': { type: 'string', default: DEFAULT_HTTP_LISTEN },
  });
  const databases = await prepareDevDatabases(values.dir, { postgres: process.env['PG_URL'], mysql: process.env['MYSQL_URL'] });
  const files = await prepareDevFiles(values.dir, values['grpc-listen'], values['http-listen'], databases);
  const config = loadServerConfig(files.configFile);
  const redisUrl = process.env['REDIS_URL'];
  const running = await startServer(config, redisUrl === undefined || redisUrl === '' ? {} : { redisUrl });
  const flags = [
    values.dir === DEFAULT_DEV_DIR ? '' : ` --dir ${values.dir}`,
    values['grpc-listen'] === DEFAULT_GRPC_LISTEN ? '' : ` --grpc-listen ${values['grpc-listen']}`,
    values['http-listen'] === DEFAULT_HTTP_LISTEN ? '' : ` --http-listen ${values['http-listen']}`,
  ].join('');
  const dirFlag = values.dir === DEFAULT_DEV_DIR ? '' : ` --dir ${values.dir}`;
  process.stderr.write(
    [
      '',
      `warrant dev is serving the trust domain example.org`,
      `  gRPC (mTLS)  ${values['grpc-listen']}      HTTP  http://${values['http-listen']}  (/.well-known/jwks.json, /introspect, /healthz)`,
      `  store        ${redisUrl ? 'redis (REDIS_URL)' : 'in memory'}     files ${values.dir}`,
      '',
      'Next, in another terminal:',
      `  npm run demo${flags === '' ? '' : ` -- ${flags.trim()}`}`,
      `  node bin/warrant.js issue${dirFlag} --provider ${DEV_PROVIDER} --task my-task --scope orders:read --json`,
      ...databases.map(
        (d) => `  node bin/warrant.js issue${dirFlag} --provider ${d.provider} --task my-task --scope SELECT:${d.orders} --json`,
      ),
      '',
    ].join('\n') + '\n',
  );
  await serveUntilSignal(running);
}

async function cmdServe(args: string[]): Promise<void> {
  const { values } = parse(args, { config: { type: 'string' }, check: { type: 'boolean' } });
  if (values.config === undefined) throw new UsageError('serve needs --config FILE');
  const config = loadServerConfig(values.config);
  if (values.check === true) {
    process.stdout.write('config is valid\n');
    return;
  }
  await serveUntilSignal(await startServer(config));
}

async function cmdRenew(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { ...CONNECTION_OPTIONS, increment: { type: 'string' }, json: { type: 'boolean', default: false } });
  const [leaseId] = positionals;
  if (leaseId === undefined) throw new UsageError('renew needs a LEASE id');
  const inc = duration(values.increment, '--increment');
  const client = connect(values as ConnectionFlags);
  try {
    const res = await client.renewLease(leaseId, inc === undefined ? undefined : inc / 1000);
    const credential = credentialJson(res.credential);
    print(values.json, { lease: leaseJson(res.lease), credential }, leaseLines(res.lease));
  } finally {
    client.close();
  }
}

async function cmdComplete(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { ...CONNECTION_OPTIONS, json: { type: 'boolean', default: false } });
  const [taskId] = positionals;
  if (taskId === undefined) throw new UsageError('complete needs a TASK id');
  const client = connect(values as ConnectionFlags);
  try {
    const res = await client.completeTask(taskId);
    const leases = res.leases.map(leaseJson);
    print(
      values.json,
      { taskId, leases },
      `task ${taskId} completed; ${leases.length} lease(s):\n${leases.map((l) => `  ${String(l?.['id'])}  ${String(l?.['state'])}`).join('\n')}`,
    );
  } finally {
    client.close();
  }
}

async function cmdLease(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, { ...CONNECTION_OPTIONS, reason: { type: 'string', default: '' }, json: { type: 'boolean', default: false } });
  const [leaseId] = positionals;
  if (leaseId === undefined) throw new UsageError(`lease ${sub ?? ''} needs a LEASE id`);
  const client = connect(values as ConnectionFlags);
  try {
    if (sub === 'show') {
      const res = await client.getLease(leaseId);
      print(values.json, { lease: leaseJson(res.lease) }, leaseLines(res.lease));
    } else if (sub === 'revoke') {
      const res = await client.revokeLease(leaseId, values.reason);
      print(values.json, { lease: leaseJson(res.lease) }, leaseLines(res.lease));
    } else throw new UsageError('lease takes show or revoke');
  } finally {
    client.close();
  }
}

function cmdAudit(args: string[]): void {
  const [sub, file] = args;
  if (sub !== 'verify' || file === undefined) throw new UsageError('usage: warrant audit verify FILE');
  const check = verifyChain(readFileSync(file, 'utf8'));
  if (check.ok) process.stdout.write(`ok: ${check.records} records, chain intact\n`);
  else {
    process.stdout.write(`BROKEN at line ${check.brokenAt}: ${check.problem} (${check.records} records verified before it)\n`);
    process.exitCode = 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'dev':
        await cmdDev(args);
        break;
      case 'serve':
        await cmdServe(args);
        break;
      case 'issue':
        process.exitCode = await cmdIssue(args);
        break;
      case 'renew':
        await cmdRenew(args);
        break;
      case 'complete':
        await cmdComplete(args);
        break;
      case 'revoke':
        process.exitCode = await cmdRevoke(args);
        break;
      case 'leases':
        process.exitCode = await cmdLeases(args);
        break;
      case 'lease':
        await cmdLease(args);
        break;
      case 'audit':
        cmdAudit(args);
        break;
      case 'agent':
        process.exitCode = await cmdAgent(args);
        break;
      case 'task':
        process.exitCode = await cmdTask(args);
        break;
      case 'approvals':
        process.exitCode = await cmdApprovals(args);
        break;
      case 'policy':
        process.exitCode = await cmdPolicy(args);
        break;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${HELP}\n`);
        break;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`warrant: ${err.message}\nRun \`warrant help\` for usage.\n`);
      return 2;
    }
    if (err instanceof WarrantClientError) {
      process.stderr.write(`warrant: ${err.code ?? 'error'}: ${err.message}\n`);
      return 1;
    }
    if (err instanceof WarrantError) {
      process.stderr.write(`warrant: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`warrant: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

