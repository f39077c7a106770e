// `warrant task show|delegate|revoke`: a task's state and counters, handing part of it to another
// workload, and (operators) revoking it with everything delegated from it.
import type { TaskInfo__Output } from '../gen/warrant/v1/TaskInfo.js';
import { parseDuration } from '../core/index.js';
import { connect, CONNECTION_OPTIONS, type ConnectionFlags } from './connection.js';
import { iso, leaseJson } from './present.js';
import { durationFlag, parseFlags } from './flags.js';
import { UsageError } from './usage-error.js';

export const TASK_HELP = `  warrant task show TASK [--json]
  warrant task delegate PARENT --to SPIFFE_ID [--id ID] [--purpose TEXT] [--attr K=V]...
                [--tool PROVIDER[=SCOPE,SCOPE…]]... [--max-credentials N] [--max-concurrent N]
                [--max-lifetime DURATION] [--json]   hands part of a task to another workload
  warrant task revoke TASK --reason TEXT [--json]   (admins) the task, its descendants, their leases`;

function parse(args: string[]) {
  return parseFlags(args, {
    ...CONNECTION_OPTIONS,
    json: { type: 'boolean', default: false },
    to: { type: 'string' },
    id: { type: 'string', default: '' },
    purpose: { type: 'string', default: '' },
    attr: { type: 'string', multiple: true, default: [] },
    tool: { type: 'string', multiple: true, default: [] },
    'max-credentials': { type: 'string', default: '0' },
    'max-concurrent': { type: 'string', default: '0' },
    'max-lifetime': { type: 'string' },
    reason: { type: 'string', default: '' },
  });
}

export function taskJson(t: TaskInfo__Output | null): Record<string, unknown> | null {
  if (t === null || t.task === null) return null;
  const task = t.task;
  return {
    id: task.id,
    state: t.state.replace('TASK_STATE_', '').toLowerCase(),
    owner: t.owner,
    purpose: task.purpose,
    attributes: task.attributes,
    ...(task.parent_id === '' ? {} : { parentId: task.parent_id }),
    depth: t.depth,
    delegationChain: t.delegation_chain,
    tools: task.tools.map((tool) => ({ provider: tool.provider, scope: tool.scope })),
    budget: {
      maxCredentials: task.budget?.max_credentials ?? 0,
      maxConcurrentLeases: task.budget?.max_concurrent_leases ?? 0,
      maxLifetimeSeconds: Number(task.budget?.max_lifetime?.seconds ?? 0),
    },
    openedAt: iso(t.opened_at),
    expiresAt: iso(t.expires_at),
    ...(t.ended_at === null ? {} : { endedAt: iso(t.ended_at) }),
    ...(t.trigger === 'TRIGGER_UNSPECIFIED' ? {} : { trigger: t.trigger.replace('TRIGGER_', '').toLowerCase() }),
    ...(t.reason === '' ? {} : { reason: t.reason }),
    credentialsIssued: t.credentials_issued,
    liveLeases: t.live_leases,
    deviations: t.deviations,
  };
}

function lines(t: TaskInfo__Output | null): string {
  const j = taskJson(t);
  if (j === null) return '(no task)';
  const budget = j['budget'] as Record<string, number>;
  const tools = (j['tools'] as { provider: string; scope: string[] }[]).map((x) => (x.scope.length === 0 ? x.provider : `${x.provider}=${x.scope.join(',')}`));
  const rows: [string, unknown][] = [
    ['task', j['id']],
    ['state', `${String(j['state'])}${j['trigger'] === undefined ? '' : ` (${String(j['trigger'])}${j['reason'] === undefined ? '' : `: ${String(j['reason'])}`})`}`],
    ['owner', j['owner']],
    ['purpose', j['purpose'] || '(none)'],
    ['tools', tools.join(' ') || '(none declared)'],
    ['budget', `${budget['maxCredentials']} credentials, ${budget['maxConcurrentLeases']} at once, ${budget['maxLifetimeSeconds']}s`],
    ['used', `${String(j['credentialsIssued'])} issued, ${String(j['liveLeases'])} live, ${String(j['deviations'])} deviations`],
    ['expires', j['expiresAt']],
  ];
  if (j['parentId'] !== undefined) rows.push(['parent', `${String(j['parentId'])} (depth ${String(j['depth'])}; chain ${(j['delegationChain'] as string[]).join(' → ')})`]);
  return rows.map(([k, v]) => `${k.padEnd(9)} ${String(v)}`).join('\n');
}

function whole(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} "${text}" must be a whole number`);
  return n;
}

export async function cmdTask(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest);
  const flags = values as ConnectionFlags;
  const print = (json: Record<string, unknown>, human: string): void => void process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : `${human}\n`);
  const [taskId, extra] = positionals;
  if (sub !== 'show' && sub !== 'delegate' && sub !== 'revoke') throw new UsageError(`task takes show, delegate or revoke\n${TASK_HELP}`);
  if (taskId === undefined) throw new UsageError(`task ${sub} needs a TASK id`);
  if (extra !== undefined) throw new UsageError(`task ${sub} takes one TASK id (got "${extra}" too)`);

  if (sub === 'show') {
    const client = connect(flags);
    try {
      const res = await client.getTask(taskId);
      print({ task: taskJson(res.task) }, lines(res.task));
      return 0;
    } finally {
      client.close();
    }
  }
  if (sub === 'revoke') {
    if (values.reason === '') throw new UsageError('task revoke needs --reason TEXT');
    const client = connect({ ...flags, as: flags.as ?? 'operator' });
    try {
      const res = await client.revokeTask(taskId, values.reason);
      print(
        { task: taskJson(res.task), leases: res.leases.map(leaseJson), revokedTasks: res.revoked_tasks },
        `${lines(res.task)}\nleases    ${res.leases.length} revoked${res.revoked_tasks.length === 0 ? '' : `\ndelegated tasks revoked: ${res.revoked_tasks.join(', ')}`}`,
      );
      return 0;
    } finally {
      client.close();
    }
  }
  if (values.to === undefined) throw new UsageError('task delegate needs --to SPIFFE_ID (the workload that receives it)');
  const attributes: Record<string, string> = {};
  for (const a of values.attr) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError(`--attr "${a}" must be KEY=VALUE`);
    attributes[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const tools = values.tool.map((t) => {
    const eq = t.indexOf('=');
    return eq === -1 ? { provider: t, scope: [] } : { provider: t.slice(0, eq), scope: t.slice(eq + 1).split(',').filter((s) => s !== '') };
  });
  const lifetime = values['max-lifetime'] === undefined ? undefined : parseDuration(values['max-lifetime']);
  if (values['max-lifetime'] !== undefined && (lifetime === undefined || lifetime <= 0)) {
    throw new UsageError(`--max-lifetime "${values['max-lifetime']}" is not a duration (e.g. 30m, 2h)`);
  }
  const client = connect(flags);
  try {
    const res = await client.delegateTask({
      parent_task_id: taskId,
      delegate_spiffe_id: values.to,
      task: {
        id: values.id,
        purpose: values.purpose,
        attributes,
        parent_id: taskId,
        tools,
        budget: {
          max_credentials: whole(values['max-credentials'], '--max-credentials'),
          max_concurrent_leases: whole(values['max-concurrent'], '--max-concurrent'),
          ...(lifetime === undefined ? {} : { max_lifetime: { seconds: String(Math.floor(lifetime / 1000)), nanos: (lifetime % 1000) * 1e6 } }),
        },
      },
    });
    print({ task: taskJson(res.task) }, lines(res.task));
    return 0;
  } finally {
    client.close();
  }
}
