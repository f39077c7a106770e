// Waiting for a human decision: GetApproval with `wait`, asked again until the approval is decided,
// the caller's time is up, or the caller gives up. One wait is capped by the server, so a long one is
// several calls.
import { status } from '@grpc/grpc-js';
import type { Approval__Output } from '../gen/warrant/v1/Approval.js';
import type { Approval } from './approval-view.js';
import { aborted, backoffDelay, sleep } from './backoff.js';
import { DeadlineExceededError, FailedPreconditionError, InvalidArgumentError, PermissionDeniedError, UnavailableError, WarrantClientError } from './errors.js';

export interface ApprovalWaitOptions {
  /** Give up after this long (ms), resolving with the approval still pending. Unset: until it is decided or expires. */
  readonly timeoutMs?: number;
  /** Aborting stops the wait at once (the call in flight is cancelled): rejects with ERR_CANCELLED. */
  readonly signal?: AbortSignal;
}

/** The longest one GetApproval is asked to wait; a server whose limit is lower says so and is asked for less. */
const CHUNK_MS = 60_000;
const SERVER_CAP = /wait must be at most (\d+)s/;

export function cancelledError(): WarrantClientError {
  return new WarrantClientError('waiting was cancelled', status.CANCELLED, 'ERR_CANCELLED', undefined);
}

/**
 * Calls `get` (one GetApproval, waiting up to `waitSeconds`; 0: not at all) until the approval is no
 * longer pending or the time is up. Outages in between are waited out with backoff while time is left.
 */
export async function waitForDecision(
  get: (waitSeconds: number, signal: AbortSignal | undefined) => Promise<Approval__Output>,
  options: ApprovalWaitOptions = {},
): Promise<Approval__Output> {
  const { signal } = options;
  const until = options.timeoutMs === undefined ? Infinity : Date.now() + Math.max(0, options.timeoutMs);
  let chunkMs = CHUNK_MS;
  let failures = 0;
  for (;;) {
    if (aborted(signal)) throw cancelledError();
    const left = until - Date.now();
    const waitSeconds = left <= 0 ? 0 : Math.max(1, Math.floor(Math.min(left, chunkMs) / 1000));
    let approval: Approval__Output;
    try {
      approval = await get(waitSeconds, signal);
    } catch (err) {
      if (aborted(signal)) throw err;
      const cap = err instanceof InvalidArgumentError ? SERVER_CAP.exec(err.message) : null;
      const capMs = cap === null ? 0 : Number(cap[1]) * 1000;
      if (capMs >= 1000 && capMs < chunkMs) {
        chunkMs = capMs;
        continue;
      }
      // The server away (restarting, unreachable): the approval is still there when it is back.
      const transient = (err instanceof UnavailableError && err.code !== 'ERR_CLIENT_CLOSED') || err instanceof DeadlineExceededError;
      failures++;
      const pause = backoffDelay(failures, 500, 10_000);
      if (!transient || Date.now() + pause >= until) throw err;
      await sleep(pause, signal);
      continue;
    }
    failures = 0;
    if (approval.state !== 'APPROVAL_STATE_PENDING' || Date.now() >= until) return approval;
  }
}

/**
 * The error for an approval that will never let the request through: denied (PermissionDeniedError,
 * ERR_APPROVAL_DENIED, with the approver's reason) or expired (FailedPreconditionError,
 * ERR_APPROVAL_EXPIRED). Undefined while it is pending, approved or used.
 */
export function approvalRefusal(a: Approval): WarrantClientError | undefined {
  if (a.state === 'denied') {
    const why = a.reason === undefined ? '' : `: ${a.reason}`;
    return new PermissionDeniedError(`approval ${a.id} was denied by ${a.decidedBy ?? 'an approver'}${why}; nothing was issued`, status.PERMISSION_DENIED, 'ERR_APPROVAL_DENIED', undefined);
  }
  if (a.state === 'expired') {
    const before = a.decidedBy === undefined ? 'before it was decided' : 'before it was used';
    return new FailedPreconditionError(
      `approval ${a.id} expired at ${new Date(a.expiresAt).toISOString()} ${before}; nothing was issued: send the request again to ask anew`,
      status.FAILED_PRECONDITION,
      'ERR_APPROVAL_EXPIRED',
      undefined,
    );
  }
  return undefined;
}

/** Still pending when the caller's wait ran out (DeadlineExceededError, ERR_APPROVAL_TIMEOUT). */
export function approvalTimeout(a: Approval, waitedMs: number): WarrantClientError {
  return new DeadlineExceededError(
    `approval ${a.id} is still pending after waiting ${Math.round(waitedMs / 1000)}s; nothing was issued (it expires at ${new Date(a.expiresAt).toISOString()})`,
    status.DEADLINE_EXCEEDED,
    'ERR_APPROVAL_TIMEOUT',
    undefined,
  );
}
