// `warrant approvals ls|show|approve|deny`: operators decide the requests a policy holds for a
// human; an agent (or its operator) reads one, waiting for the decision with --wait.
import type { Approval__Output } from '../gen/warrant/v1/Approval.js';
import type { ApprovalState } from '../gen/warrant/v1/ApprovalState.js';
import { parseDuration } from '../core/index.js';
import { connect, CONNECTION_OPTIONS, type ConnectionFlags } from './connection.js';
import { iso } from './present.js';
import { durationFlag, parseFlags } from './flags.js';
import { UsageError } from './usage-error.js';

export const APPROVALS_HELP = `  warrant approvals ls [--state pending|approved|denied|expired|used]... [--task T] [--requester SPIFFE_ID]
                [--limit N] [--page-token T] [--json]           pending ones, newest first (admins)
  warrant approvals show APPROVAL [--wait DURATION] [--json]      as the requester sees it; --wait blocks for the decision
  warrant approvals approve APPROVAL [--reason TEXT] [--json]     (admins; never your own request)
  warrant approvals deny APPROVAL --reason TEXT [--json]`;

const STATES = ['pending', 'approved', 'denied', 'expired', 'used'];

function parse(args: string[]) {
  return parseFlags(args, {
    ...CONNECTION_OPTIONS,
    json: { type: 'boolean', default: false },
    state: { type: 'string', multiple: true, default: [] },
    task: { type: 'string', default: '' },
    requester: { type: 'string', default: '' },
    limit: { type: 'string', default: '100' },
    'page-token': { type: 'string', default: '' },
    reason: { type: 'string', default: '' },
    wait: { type: 'string' },
  });
}

export function approvalJson(a: Approval__Output | null): Record<string, unknown> | null {
  if (a === null) return null;
  return {
    id: a.id,
    state: a.state.replace('APPROVAL_STATE_', '').toLowerCase(),
    requester: a.requester,
    taskId: a.task_id,
    purpose: a.purpose,
    attributes: a.attributes,
    provider: a.provider,
    scope: a.scope,
    ttlSeconds: Number(a.ttl?.seconds ?? 0),
    policies: a.policies,
    policyVersion: a.policy_version,
    createdAt: iso(a.created_at),
    expiresAt: iso(a.expires_at),
    ...(a.decided_by === '' ? {} : { decidedBy: a.decided_by, decidedAt: iso(a.decided_at) }),
    ...(a.reason === '' ? {} : { reason: a.reason }),
    ...(a.lease_id === '' ? {} : { leaseId: a.lease_id, usedAt: iso(a.used_at) }),
  };
}

function lines(a: Approval__Output | null): string {
  const j = approvalJson(a);
  if (j === null) return '(no approval)';
  const rows: [string, unknown][] = [
    ['approval', j['id']],
    ['state', j['state']],
    ['requester', j['requester']],
    ['task', `${String(j['taskId'])}${j['purpose'] === '' ? '' : `  (${String(j['purpose'])})`}`],
    ['provider', j['provider']],
    ['scope', (j['scope'] as string[]).join(' ') || '(provider default)'],
    ['ttl', `${String(j['ttlSeconds'])}s`],
    ['policies', (j['policies'] as string[]).join(', ')],
    ['expires', j['expiresAt']],
  ];
  const attrs = Object.entries(j['attributes'] as Record<string, string>);
  if (attrs.length > 0) rows.push(['attributes', attrs.map(([k, v]) => `${k}=${v}`).join(' ')]);
  if (j['decidedBy'] !== undefined) rows.push(['decided by', `${String(j['decidedBy'])} at ${String(j['decidedAt'])}`]);
  if (j['reason'] !== undefined) rows.push(['reason', j['reason']]);
  if (j['leaseId'] !== undefined) rows.push(['used for', j['leaseId']]);
  return rows.map(([k, v]) => `${k.padEnd(11)} ${String(v)}`).join('\n');
}

export async function cmdApprovals(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest);
  const flags = values as ConnectionFlags;
  const print = (json: Record<string, unknown>, human: string): void => void process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : `${human}\n`);
  if (sub === 'ls') {
    if (positionals.length > 0) throw new UsageError(`approvals ls takes no positional arguments (got "${positionals[0]}")`);
    const limit = Number(values.limit);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
    for (const s of values.state) if (!STATES.includes(s)) throw new UsageError(`--state "${s}" is not one of ${STATES.join(', ')}`);
    const client = connect({ ...flags, as: flags.as ?? 'operator' });
    try {
      const res = await client.listApprovals({
        states: values.state.map((s) => `APPROVAL_STATE_${s.toUpperCase()}` as ApprovalState),
        task_id: values.task,
        requester: values.requester,
        page_size: limit,
        page_token: values['page-token'],
      });
      const rows = res.approvals.map((a) => {
        const j = approvalJson(a)!;
        return [a.id, String(j['state']).padEnd(8), a.provider.padEnd(16), a.task_id.padEnd(20), String(j['expiresAt']).replace(/\.\d{3}Z$/, 'Z').padEnd(20), a.requester].join('  ');
      });
      const more = res.next_page_token === '' ? '' : `\nmore: --page-token ${res.next_page_token}`;
      print({ approvals: res.approvals.map(approvalJson), nextPageToken: res.next_page_token }, rows.length === 0 ? `no approvals match${more}` : `${rows.join('\n')}${more}`);
      return 0;
    } finally {
      client.close();
    }
  }
  const [id, extra] = positionals;
  if (sub !== 'show' && sub !== 'approve' && sub !== 'deny') throw new UsageError(`approvals takes ls, show, approve or deny\n${APPROVALS_HELP}`);
  if (id === undefined) throw new UsageError(`approvals ${sub} needs an APPROVAL id`);
  if (extra !== undefined) throw new UsageError(`approvals ${sub} takes one APPROVAL id (got "${extra}" too)`);
  if (sub === 'show') {
    const waitMs = values.wait === undefined ? undefined : parseDuration(values.wait);
    if (waitMs !== undefined && waitMs <= 0) throw new UsageError(`--wait "${values.wait ?? ''}" is not a duration (e.g. 30s, 5m)`);
    if (values.wait !== undefined && waitMs === undefined) throw new UsageError(`--wait "${values.wait}" is not a duration (e.g. 30s, 5m)`);
    const client = connect(flags);
    try {
      const res = await client.getApproval(id, waitMs === undefined ? undefined : Math.ceil(waitMs / 1000));
      print({ approval: approvalJson(res.approval) }, lines(res.approval));
      return 0;
    } finally {
      client.close();
    }
  }
  if (sub === 'deny' && values.reason === '') throw new UsageError('approvals deny needs --reason TEXT: the requester is told why');
  const client = connect({ ...flags, as: flags.as ?? 'operator' });
  try {
    const res = await client.decideApproval(id, sub === 'approve' ? 'approve' : 'deny', values.reason);
    print({ approval: approvalJson(res.approval) }, lines(res.approval));
    return 0;
  } finally {
    client.close();
  }
}
