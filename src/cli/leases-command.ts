// `warrant leases ls|show`: look at leases before (and after) revoking them. Admins see every
// lease; a workload sees only its own with `show`.
import { parseArgs } from 'node:util';
import type { Lease__Output } from '../gen/warrant/v1/Lease.js';
import { connect, CONNECTION_OPTIONS, type ConnectionFlags } from './connection.js';
import { SELECTOR_HELP, SELECTOR_OPTIONS, selectorFromFlags, type SelectorFlags } from './lease-selector-flags.js';
import { leaseJson, leaseLines } from './present.js';
import { UsageError } from './usage-error.js';

export const LEASES_HELP = `  warrant leases ls [SELECTOR] [--limit N] [--page-token T] [--json]
                lists leases newest first (an empty selector lists all)
  warrant leases show LEASE [--json]`;

function parse<T extends Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>>(args: string[], extra: T) {
  try {
    return parseArgs({ args, options: { ...CONNECTION_OPTIONS, ...SELECTOR_OPTIONS, json: { type: 'boolean' as const, default: false }, ...extra }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function row(l: Lease__Output): string {
  const j = leaseJson(l)!;
  const expires = String(j['expiresAt'] ?? '').replace(/\.\d{3}Z$/, 'Z');
  const why = j['trigger'] === undefined ? '' : `${String(j['trigger'])}${l.revocation_error === '' ? '' : ` (${l.revocation_error})`}`;
  return [l.id, String(j['state']).padEnd(17), l.provider.padEnd(16), l.task_id.padEnd(20), expires.padEnd(20), l.owner, why].join('  ').trimEnd();
}

export async function cmdLeases(args: string[], stdout: NodeJS.WritableStream = process.stdout): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'show') {
    const { values, positionals } = parse(rest, {});
    const [leaseId] = positionals;
    if (leaseId === undefined) throw new UsageError('leases show needs a LEASE id');
    const client = connect({ ...(values as ConnectionFlags), as: (values as ConnectionFlags).as ?? 'operator' });
    try {
      const res = await client.getLease(leaseId);
      stdout.write(values.json ? `${JSON.stringify({ lease: leaseJson(res.lease) })}\n` : `${leaseLines(res.lease)}\n`);
      return 0;
    } finally {
      client.close();
    }
  }
  if (sub !== 'ls') throw new UsageError(`leases takes ls or show\n${LEASES_HELP}\n                ${SELECTOR_HELP}`);
  const { values, positionals } = parse(rest, { limit: { type: 'string' as const, default: '100' }, 'page-token': { type: 'string' as const, default: '' } });
  if (positionals.length > 0) throw new UsageError(`leases ls takes no positional arguments (got "${positionals[0]}")`);
  const limit = Number(values.limit);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
  const client = connect({ ...(values as ConnectionFlags), as: (values as ConnectionFlags).as ?? 'operator' });
  try {
    const page = await client.listLeases({ selector: selectorFromFlags(values as SelectorFlags), page_size: limit, page_token: String(values['page-token']) });
    if (values.json) {
      stdout.write(`${JSON.stringify({ leases: page.leases.map(leaseJson), nextPageToken: page.next_page_token })}\n`);
    } else {
      stdout.write(`${['LEASE'.padEnd(26), 'STATE'.padEnd(17), 'PROVIDER'.padEnd(16), 'TASK'.padEnd(20), 'EXPIRES'.padEnd(20), 'OWNER', 'TRIGGER'].join('  ')}\n`);
      for (const l of page.leases) stdout.write(`${row(l)}\n`);
      if (page.next_page_token !== '') stdout.write(`(more: --page-token ${page.next_page_token})\n`);
    }
    return 0;
  } finally {
    client.close();
  }
}
