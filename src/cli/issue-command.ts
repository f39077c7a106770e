// `warrant issue`: one credential for one task. When policy holds the request for a human
// (@approval("required")) it says so and how an operator decides, or with --wait blocks for the
// decision and then sends the same request again with the approval.
import { approvalFromPb, approvalRefusal, type WarrantClient } from '../client/index.js';
import type { IssueTaskCredentialRequest } from '../gen/warrant/v1/IssueTaskCredentialRequest.js';
import type { IssueTaskCredentialResponse__Output } from '../gen/warrant/v1/IssueTaskCredentialResponse.js';
import type { PendingApproval__Output } from '../gen/warrant/v1/PendingApproval.js';
import { connect, CONNECTION_OPTIONS, type ConnectionFlags } from './connection.js';
import { credentialJson, iso, leaseJson, leaseLines } from './present.js';
import { durationFlag, parseFlags } from './flags.js';
import { UsageError } from './usage-error.js';

/** Exit status when nothing was issued because a human approval is pending (still, after --wait). */
export const EXIT_APPROVAL_PENDING = 3;

export const ISSUE_HELP = `  warrant issue --provider P --task T [--purpose TEXT] [--attr K=V]... [--scope S]...
                [--ttl DURATION] [--idempotency-key K] [--approval-id ID] [--wait DURATION] [--json]
                exits 0 issued; ${EXIT_APPROVAL_PENDING} a human approval is pending (it prints the approval and the
                command an operator runs); 1 refused, denied, expired or failed; 2 usage.
                --wait blocks up to DURATION for the decision, then issues with the approval;
                --approval-id sends the request again for an approval already granted`;

function parse(args: string[]) {
  return parseFlags(args, {
    ...CONNECTION_OPTIONS,
    provider: { type: 'string' },
    task: { type: 'string' },
    purpose: { type: 'string', default: '' },
    attr: { type: 'string', multiple: true, default: [] },
    scope: { type: 'string', multiple: true, default: [] },
    ttl: { type: 'string' },
    'idempotency-key': { type: 'string', default: '' },
    'approval-id': { type: 'string', default: '' },
    wait: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
}

export function pendingApprovalJson(p: PendingApproval__Output): Record<string, unknown> {
  return {
    approvalId: p.approval_id,
    policies: p.policies,
    expiresAt: iso(p.expires_at),
    approve: `warrant approvals approve ${p.approval_id}`,
    deny: `warrant approvals deny ${p.approval_id} --reason TEXT`,
  };
}

function pendingLines(p: PendingApproval__Output): string {
  const id = p.approval_id;
  return [
    `approval    ${id}`,
    'state       pending',
    `policies    ${p.policies.join(', ') || '(none named)'}`,
    `expires     ${iso(p.expires_at) ?? '?'}`,
    '',
    'Nothing was issued: policy requires a human approval first. An operator decides with',
    `  warrant approvals approve ${id} [--reason TEXT]`,
    `  warrant approvals deny ${id} --reason TEXT`,
    `Once approved, send the same request again (add --approval-id ${id}), or wait for the decision with --wait DURATION.`,
  ].join('\n');
}

function printIssued(json: boolean, res: IssueTaskCredentialResponse__Output): void {
  const credential = credentialJson(res.credential);
  const secret = credential?.['accessToken'] ?? credential?.['password'] ?? credential?.['secretAccessKey'];
  const human = `${leaseLines(res.lease)}\n\ncredential  ${credential === null ? '(not delivered again for a retried request)' : String(credential['kind'])}\n${secret === undefined ? '' : String(secret)}`;
  process.stdout.write(json ? `${JSON.stringify({ lease: leaseJson(res.lease), credential })}\n` : `${human}\n`);
}

function printPending(json: boolean, p: PendingApproval__Output): number {
  process.stdout.write(json ? `${JSON.stringify({ pendingApproval: pendingApprovalJson(p) })}\n` : `${pendingLines(p)}\n`);
  return EXIT_APPROVAL_PENDING;
}

/**
 * Waits for the approval's decision until `until`; approved, sends the request again with it.
 * Resolves with the last answer (still pending when the time ran out); throws when denied or expired.
 */
async function waitAndIssue(client: WarrantClient, request: IssueTaskCredentialRequest, first: IssueTaskCredentialResponse__Output, until: number, waitText: string): Promise<IssueTaskCredentialResponse__Output> {
  let res = first;
  while (res.pending_approval !== null && Date.now() < until) {
    const id = res.pending_approval.approval_id;
    process.stderr.write(
      `warrant: approval ${id} is pending (${res.pending_approval.policies.join(', ') || 'no policy named'}); waiting up to ${waitText} for an operator to run: warrant approvals approve ${id}\n`,
    );
    const approval = approvalFromPb(await client.waitForApproval(id, { timeoutMs: until - Date.now() }));
    const refusal = approvalRefusal(approval);
    if (refusal !== undefined) throw refusal;
    if (approval.state === 'pending') {
      process.stderr.write(`warrant: approval ${id} is still pending after ${waitText}\n`);
      return res;
    }
    process.stderr.write(`warrant: approval ${id} was approved by ${approval.decidedBy ?? 'an approver'}${approval.reason === undefined ? '' : `: ${approval.reason}`}\n`);
    res = await client.issueTaskCredential({ ...request, approval_id: id });
  }
  return res;
}

export async function cmdIssue(args: string[]): Promise<number> {
  const { values } = parse(args);
  if (values.provider === undefined) throw new UsageError('issue needs --provider P');
  if (values.task === undefined) throw new UsageError('issue needs --task T');
  const attributes: Record<string, string> = {};
  for (const a of values.attr) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError(`--attr "${a}" must be KEY=VALUE`);
    attributes[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const ttl = durationFlag(values.ttl, '--ttl');
  const wait = durationFlag(values.wait, '--wait');
  // Several scopes may also be given space-separated in one --scope.
  const scope = values.scope.flatMap((s) => s.split(/\s+/)).filter((s) => s !== '');
  const request: IssueTaskCredentialRequest = {
    task: { id: values.task, purpose: values.purpose, attributes, parent_id: '' },
    provider: values.provider,
    scope,
    ...(ttl === undefined ? {} : { ttl: { seconds: String(Math.floor(ttl / 1000)), nanos: (ttl % 1000) * 1e6 } }),
    idempotency_key: values['idempotency-key'],
    approval_id: values['approval-id'],
  };
  const client = connect(values as ConnectionFlags);
  try {
    let res = await client.issueTaskCredential(request);
    if (res.pending_approval !== null && wait !== undefined) res = await waitAndIssue(client, request, res, Date.now() + wait, values.wait!);
    if (res.pending_approval !== null) return printPending(values.json, res.pending_approval);
    printIssued(values.json, res);
    return 0;
  } finally {
    client.close();
  }
}
