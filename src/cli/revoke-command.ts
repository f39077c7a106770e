// `warrant revoke`: an operator's mass revocation. Counts first (dry run), asks before revoking
// unless --yes, shows a live progress bar on a terminal (JSON lines otherwise), and exits non-zero
// listing every lease the providers have not confirmed.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { parseDuration } from '../core/index.js';
import type { RevokeMatchingProgress__Output } from '../gen/warrant/v1/RevokeMatchingProgress.js';
import type { RevokeMatchingRequest } from '../gen/warrant/v1/RevokeMatchingRequest.js';
import type { Trigger } from '../gen/warrant/v1/Trigger.js';
import { connect, CONNECTION_OPTIONS, type ConnectionFlags } from './connection.js';
import { SELECTOR_HELP, SELECTOR_OPTIONS, selectorFromFlags, selectsSomething, type SelectorFlags } from './lease-selector-flags.js';
import { leaseJson } from './present.js';
import { UsageError } from './usage-error.js';

export const REVOKE_HELP = `  warrant revoke SELECTOR --reason TEXT [--trigger operator|deviation|identity]
                [--dry-run] [--yes] [--wait DURATION] [--json]
                revokes every lease the selector matches: counts first, asks unless --yes,
                then shows progress; exits 1 listing any lease not confirmed revoked
                ${SELECTOR_HELP}`;

const TRIGGERS: Readonly<Record<string, Trigger>> = {
  operator: 'TRIGGER_OPERATOR',
  deviation: 'TRIGGER_DEVIATION',
  identity: 'TRIGGER_IDENTITY',
};

/** Where output goes; tests and scripts see the same lines a person would. */
export interface Terminal {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

const PROCESS_TERMINAL: Terminal = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

function count(text: string): number {
  return Number(text);
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

/** The bar: done/total, rate and ETA, one line redrawn in place. */
function bar(p: RevokeMatchingProgress__Output, elapsedMs: number, expected: number | undefined): string {
  const accepted = count(p.accepted);
  const done = count(p.revoked) + count(p.failed);
  const total = p.selecting ? Math.max(expected ?? accepted, accepted) : accepted;
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const width = 30;
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  const eta = rate > 0 && total > done ? ` ETA ${seconds(((total - done) / rate) * 1000)}` : '';
  const phase = p.selecting ? ' selecting' : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} revoked  ${Math.round(rate).toLocaleString('en-US')}/s${eta}${phase}`;
}

function progressJson(p: RevokeMatchingProgress__Output, elapsedMs: number): Record<string, unknown> {
  return {
    type: p.done ? 'summary' : 'progress',
    operationId: p.operation_id,
    matched: count(p.matched),
    accepted: count(p.accepted),
    alreadyRevoking: count(p.already_revoking),
    revoked: count(p.revoked),
    revoking: count(p.revoking),
    failed: count(p.failed),
    selecting: p.selecting,
    elapsedMs,
    ...(p.done ? { failures: p.failures } : {}),
  };
}

export async function cmdRevoke(args: string[], term: Terminal = PROCESS_TERMINAL): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        ...CONNECTION_OPTIONS,
        ...SELECTOR_OPTIONS,
        reason: { type: 'string' as const },
        trigger: { type: 'string' as const, default: 'operator' },
        'dry-run': { type: 'boolean' as const, default: false },
        yes: { type: 'boolean' as const, default: false },
        wait: { type: 'string' as const, default: '2m' },
        json: { type: 'boolean' as const, default: false },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.reason === undefined || v.reason.trim() === '') throw new UsageError('revoke needs --reason TEXT (it is recorded on every lease and in the audit)');
  if (!selectsSomething(v as SelectorFlags) && !v.all) throw new UsageError('revoke needs a selector, or --all to revoke every lease');
  const trigger = TRIGGERS[v.trigger];
  if (trigger === undefined) throw new UsageError(`--trigger "${v.trigger}" must be one of ${Object.keys(TRIGGERS).join(', ')}`);
  const wait = parseDuration(v.wait);
  if (wait === undefined || wait < 0 || wait > 10 * 60_000) throw new UsageError(`--wait "${v.wait}" must be a duration of at most 10m`);
  const request: RevokeMatchingRequest = {
    selector: selectorFromFlags(v as SelectorFlags),
    reason: v.reason,
    trigger,
    confirm_timeout: { seconds: String(Math.floor(wait / 1000)), nanos: (wait % 1000) * 1_000_000 },
  };
  // JSON lines whenever a person is not watching a terminal.
  const json = v.json || term.stderr.isTTY !== true;
  const out = (value: Record<string, unknown>) => term.stdout.write(`${JSON.stringify(value)}\n`);
  const say = (text: string) => term.stderr.write(`${text}\n`);

  const flags = { ...(v as ConnectionFlags), as: (v as ConnectionFlags).as ?? 'operator' };
  const client = connect(flags);
  try {
    let expected: number | undefined;
    if (v['dry-run'] || !v.yes) {
      const dry = await client.revokeMatching({ ...request, dry_run: true }, () => undefined);
      expected = count(dry.matched);
      if (v['dry-run']) {
        if (json) out({ type: 'dry_run', matched: expected, sample: dry.sample.map(leaseJson) });
        else {
          say(`${plural(expected, 'lease')} match; a dry run revokes nothing.`);
          for (const l of dry.sample) say(`  ${l.id}  ${l.state.replace('LEASE_STATE_', '').toLowerCase().padEnd(9)}  ${l.owner}  task ${l.task_id}  ${l.provider}`);
        }
        return 0;
      }
      if (expected === 0) {
        if (json) out({ type: 'summary', matched: 0, accepted: 0, revoked: 0, revoking: 0, failed: 0, failures: [] });
        else say('No lease matches; nothing to revoke.');
        return 0;
      }
      if (term.stdin.isTTY !== true) {
        say(`warrant: refusing to revoke ${plural(expected, 'lease')} without confirmation: stdin is not a terminal; pass --yes`);
        return 2;
      }
      const rl = createInterface({ input: term.stdin, output: term.stderr });
      const answer = await rl.question(`Revoke ${plural(expected, 'lease')} (reason: ${JSON.stringify(v.reason)})? Type "yes" to continue: `);
      rl.close();
      if (answer.trim() !== 'yes') {
        say('Nothing was revoked.');
        return 1;
      }
    }

    const started = Date.now();
    let lastDraw = 0;
    const summary = await client.revokeMatching({ ...request, dry_run: false }, (p) => {
      const elapsed = Date.now() - started;
      if (p.done) return;
      if (json) out(progressJson(p, elapsed));
      else if (elapsed - lastDraw >= 100) {
        lastDraw = elapsed;
        term.stderr.write(`\r${bar(p, elapsed, expected)}\u001b[K`);
      }
    });
    const elapsed = Date.now() - started;
    const revoked = count(summary.revoked);
    const revoking = count(summary.revoking);
    const failed = count(summary.failed);
    if (json) out(progressJson(summary, elapsed));
    else {
      term.stderr.write(`\r${bar(summary, elapsed, expected)}\u001b[K\n`);
      say(
        `Revoked ${plural(revoked, 'lease')} of ${count(summary.matched).toLocaleString('en-US')} matched in ${seconds(elapsed)} (operation ${summary.operation_id}).` +
          (count(summary.already_revoking) > 0 ? ` ${plural(count(summary.already_revoking), 'lease')} were already being revoked.` : ''),
      );
      if (revoking > 0) say(`${plural(revoking, 'lease')} not confirmed yet: accepted, and retried in the background until the provider confirms.`);
      if (failed > 0) say(`${plural(failed, 'lease')} could not be revoked: given up after the give-up window; they need an operator.`);
      for (const line of summary.failures) say(`  ${line}`);
      if (summary.failures.length < revoking + failed) say(`  … and ${plural(revoking + failed - summary.failures.length, 'more lease')}; list them with: warrant leases ls --state revoking --state revocation_failed`);
    }
    return revoking + failed > 0 ? 1 : 0;
  } finally {
    client.close();
  }
}
