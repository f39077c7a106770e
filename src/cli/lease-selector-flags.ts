// The selector flags `warrant revoke` and `warrant leases ls` share, turned into a LeaseSelector.
import { parseDuration } from '../core/index.js';
import type { LeaseSelector } from '../gen/warrant/v1/LeaseSelector.js';
import type { LeaseState } from '../gen/warrant/v1/LeaseState.js';
import type { Timestamp } from '../gen/google/protobuf/Timestamp.js';
import { UsageError } from './usage-error.js';

export const SELECTOR_OPTIONS = {
  lease: { type: 'string' as const, multiple: true as const, default: [] as string[] },
  task: { type: 'string' as const },
  'spiffe-id': { type: 'string' as const },
  'spiffe-id-prefix': { type: 'string' as const },
  'trust-domain': { type: 'string' as const },
  provider: { type: 'string' as const },
  'issued-before': { type: 'string' as const },
  'issued-after': { type: 'string' as const },
  state: { type: 'string' as const, multiple: true as const, default: [] as string[] },
  all: { type: 'boolean' as const, default: false },
};

export const SELECTOR_HELP = `selector (flags combine with AND):
                --lease ID...  --task T  --spiffe-id ID  --spiffe-id-prefix ID
                --trust-domain TD  --provider P  --state S...
                --issued-before/--issued-after TIME (RFC 3339, or a duration meaning "that long ago")
                --all (required to select every lease)`;

export interface SelectorFlags {
  lease: string[];
  task?: string | undefined;
  'spiffe-id'?: string | undefined;
  'spiffe-id-prefix'?: string | undefined;
  'trust-domain'?: string | undefined;
  provider?: string | undefined;
  'issued-before'?: string | undefined;
  'issued-after'?: string | undefined;
  state: string[];
  all: boolean;
}

const STATES: Readonly<Record<string, LeaseState>> = {
  pending: 'LEASE_STATE_PENDING',
  active: 'LEASE_STATE_ACTIVE',
  revoking: 'LEASE_STATE_REVOKING',
  revoked: 'LEASE_STATE_REVOKED',
  expired: 'LEASE_STATE_EXPIRED',
  revocation_failed: 'LEASE_STATE_REVOCATION_FAILED',
};

/** An RFC 3339 time, or a duration meaning "that long before now". */
export function parseTime(text: string, flag: string, now: number = Date.now()): number {
  const ago = parseDuration(text);
  if (ago !== undefined && ago > 0) return now - ago;
  const at = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) throw new UsageError(`${flag} "${text}" is neither an RFC 3339 time (2026-01-31T12:00:00Z) nor a duration (30m)`);
  return at;
}

function timestamp(ms: number): Timestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

export function selectorFromFlags(v: SelectorFlags, now: number = Date.now()): LeaseSelector {
  const states = v.state.map((s) => {
    const state = STATES[s];
    if (state === undefined) throw new UsageError(`--state "${s}" must be one of ${Object.keys(STATES).join(', ')}`);
    return state;
  });
  return {
    lease_ids: v.lease,
    task_id: v.task ?? '',
    spiffe_id: v['spiffe-id'] ?? '',
    spiffe_id_prefix: v['spiffe-id-prefix'] ?? '',
    trust_domain: v['trust-domain'] ?? '',
    provider: v.provider ?? '',
    ...(v['issued-before'] === undefined ? {} : { issued_before: timestamp(parseTime(v['issued-before'], '--issued-before', now)) }),
    ...(v['issued-after'] === undefined ? {} : { issued_after: timestamp(parseTime(v['issued-after'], '--issued-after', now)) }),
    all: v.all,
    states,
  };
}

/** Whether any selector flag narrows the selection. */
export function selectsSomething(v: SelectorFlags): boolean {
  return (
    v.lease.length > 0 ||
    v.state.length > 0 ||
    [v.task, v['spiffe-id'], v['spiffe-id-prefix'], v['trust-domain'], v.provider, v['issued-before'], v['issued-after']].some((x) => x !== undefined)
  );
}
