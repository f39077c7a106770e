// The task, delegation and approval use cases behind CredentialService (OpenTask, GetTask,
// DelegateTask, GetApproval) and AdminService (RevokeTask, ListApprovals, DecideApproval).
import { WarrantError, type Lease } from '../core/index.js';
import type { Workload } from '../identity/index.js';
import type { Approval, TaskRecord } from '../tasks/index.js';
import { ApprovalUseCases } from './approvals.js';
import { delegateTask } from './delegation.js';
import { checkReason, checkTaskId, quote } from './input.js';
import { auditWho, type TaskContext } from './task-context.js';
import type { ApprovalQuery, DelegateInput } from './task-types.js';
import { TaskUseCases, type EndedTask } from './tasks.js';
import type { TaskInput } from './types.js';

export class TaskService {
  readonly #c: TaskContext;
  /** Used by the issue path. */
  readonly use: TaskUseCases;
  readonly approvalGate: ApprovalUseCases;

  constructor(context: TaskContext) {
    this.#c = context;
    this.use = new TaskUseCases(context);
    this.approvalGate = new ApprovalUseCases(context, this.use);
  }

  /** OpenTask: opens the task (or joins it, as IssueTaskCredential would) without issuing anything. */
  openTask(caller: Workload, input: TaskInput): Promise<TaskRecord> {
    return this.use.join(caller, input, this.#c.clock.now());
  }

  getTask(caller: Workload, taskId: string): Promise<TaskRecord> {
    return this.use.get(caller, taskId);
  }

  delegateTask(caller: Workload, input: DelegateInput): Promise<TaskRecord> {
    return delegateTask(this.#c, this.use, caller, input);
  }

  /**
   * CompleteTask for a task with a record: the owner (or its admin or sidecar, or a workload that
   * delegated it) ends it; undefined when there is no record of it.
   */
  async complete(caller: Workload, taskIdText: string): Promise<EndedTask | undefined> {
    const id = checkTaskId(taskIdText, 'task_id');
    const task = await this.#c.tasks.get(id);
    if (task === undefined) return undefined;
    if (!this.use.mayActOn(caller, task)) throw new WarrantError('ERR_NOT_OWNER', `task ${quote(id)} belongs to another workload`);
    return this.use.end(id, { state: 'completed', trigger: 'task_completed', by: auditWho(caller) });
  }

  /** RevokeTask (admins): ends the task and everything delegated from it, revoking their leases. */
  async revokeTask(caller: Workload, taskIdText: string, reasonText: string): Promise<{ task: TaskRecord; leases: Lease[]; descendants: string[] }> {
    if (!this.#c.authority.isAdmin(caller.spiffeId)) {
      throw new WarrantError('ERR_PERMISSION_DENIED', `${caller.spiffeId} is not an admin; only configured admin identities may revoke tasks`);
    }
    const id = checkTaskId(taskIdText, 'task_id');
    const reason = checkReason(reasonText, true)!;
    const ended = await this.use.end(id, { state: 'revoked', trigger: 'operator', reason, by: auditWho(caller) });
    if (ended.task === undefined) throw new WarrantError('ERR_TASK_NOT_FOUND', `task ${quote(id)} does not exist (or its record has aged out)`);
    return { task: ended.task, leases: ended.leases, descendants: ended.descendants };
  }

  getApproval(caller: Workload, approvalId: string, waitMs: number | undefined, signal?: AbortSignal): Promise<Approval> {
    return this.approvalGate.get(caller, approvalId, waitMs, signal);
  }

  listApprovals(caller: Workload, query: ApprovalQuery, pageSize: number, cursor: string): Promise<{ approvals: Approval[]; cursor: string }> {
    return this.approvalGate.list(caller, query, pageSize, cursor);
  }

  decideApproval(caller: Workload, approvalId: string, decision: 'approved' | 'denied', reason: string): Promise<Approval> {
    return this.approvalGate.decide(caller, approvalId, decision, reason);
  }
}
