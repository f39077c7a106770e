// Every lease script replies {code, …}: the code says what happened and names the error, if any.
// The Lua files use these numbers literally; this is the one place that gives them names.
export const ScriptResult = {
  /** The state change was made; the lease's fields follow. */
  Changed: 0,
  /** createPending wrote the lease; its fields follow. */
  Created: 1,
  /** createPending found the same request under the idempotency key; the lease id follows. */
  Existing: 2,
  /** createPending found a different request under the idempotency key; the lease id follows. */
  Conflict: 3,
  /** Nothing to do (already revoking or terminal); the lease's fields follow. */
  Unchanged: 4,
  /** The reaper's condition no longer holds (renewed or activated since it was read). */
  Skipped: 5,
  LeaseNotFound: -1,
  NotOwner: -2,
  /** The lease is in the wrong state for this change; its fields follow. */
  WrongState: -3,
  /** renew of an active lease past its expiry; its fields follow. */
  LeaseExpired: -4,
  /** renew of a lease already at its max expiry; its fields follow. */
  AtMaxTtl: -5,
  /** createPending with a lease id already in use. */
  LeaseIdTaken: -6,
} as const;

export type ScriptResultCode = (typeof ScriptResult)[keyof typeof ScriptResult];
