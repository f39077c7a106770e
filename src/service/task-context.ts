import type { Logger } from 'pino';
import type { AuditLog } from '../audit/index.js';
import type { Clock } from '../core/index.js';
import type { Workload } from '../identity/index.js';
import type { LeaseStore } from '../leases/index.js';
import type { PolicyEngine } from '../policy/index.js';
import type { CredentialProvider } from '../providers/index.js';
import type { Revoker } from '../revocation/index.js';
import type { ApprovalStore, TaskStore } from '../tasks/index.js';
import type { Authority } from './authority.js';
import type { TaskRules } from './task-input.js';

/** What the task, delegation and approval use cases share with the rest of the service. */
export interface TaskContext {
  readonly tasks: TaskStore;
  readonly approvals: ApprovalStore;
  readonly rules: TaskRules;
  readonly leases: LeaseStore;
  readonly revoker: Revoker;
  readonly audit: AuditLog;
  readonly authority: Authority;
  readonly providers: ReadonlyMap<string, CredentialProvider>;
  readonly policy: () => PolicyEngine;
  readonly clock: Clock;
  readonly log: Logger;
}

/** The caller as audit records name it. */
export function auditWho(w: Workload): Record<string, unknown> {
  return { spiffeId: w.spiffeId, method: w.method };
}
