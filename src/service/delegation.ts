// DelegateTask: a task's owner hands part of it to another workload. The child's tools, scopes,
// budget and lifetime stay within the parent's, its attributes keep the parent's values, depth is
// bounded, and Cedar decides each delegated provider seeing the depth, the chain and the delegate.
import { WarrantError, newLeaseId } from '../core/index.js';
import type { Workload } from '../identity/index.js';
import { taskStateAt, type NewTask, type TaskBudget, type TaskRecord, type ToolGrant } from '../tasks/index.js';
import { checkAttributes, checkPurpose, checkTaskId, quote } from './input.js';
import { auditWho, type TaskContext } from './task-context.js';
import { checkDelegate, checkTools } from './task-input.js';
import type { DelegateInput } from './task-types.js';
import { endedError, taskRef, type TaskUseCases } from './tasks.js';

export async function delegateTask(c: TaskContext, tasks: TaskUseCases, caller: Workload, input: DelegateInput): Promise<TaskRecord> {
  const parentId = checkTaskId(input.parentTaskId, 'parent_task_id');
  const delegate = checkDelegate(input.delegate, caller);
  const now = c.clock.now();
  const childId = input.task.id === '' ? `d-${newLeaseId(now)}` : checkTaskId(input.task.id);
  const ownAttributes = checkAttributes(input.task.attributes);
  const tools = checkTools(input.task.tools);

  const parent = await c.tasks.get(parentId);
  if (parent === undefined) throw new WarrantError('ERR_TASK_NOT_FOUND', `task ${quote(parentId)} does not exist (or its record has aged out)`);
  if (parent.owner !== caller.spiffeId) {
    throw new WarrantError('ERR_NOT_OWNER', `task ${quote(parentId)} belongs to another workload; only its owner may delegate from it`);
  }
  if (taskStateAt(parent, now) !== 'open') throw endedError(parent, now);
  const purpose = input.task.purpose === '' ? parent.purpose : checkPurpose(input.task.purpose);

  const depth = parent.ancestors.length + 1;
  const deny = (message: string): never => {
    throw new WarrantError('ERR_DELEGATION_DENIED', message);
  };
  if (depth > c.rules.maxDelegationDepth) {
    deny(`delegating from task ${quote(parentId)} would make a task of depth ${depth}; this server allows at most ${c.rules.maxDelegationDepth}`);
  }
  const chain = [...parent.chain, parent.owner];
  if (chain.includes(delegate.spiffeId)) deny(`${delegate.spiffeId} already delegated this task; a task is never delegated back up its chain`);

  for (const [name, value] of Object.entries(ownAttributes)) {
    const held = parent.attributes[name];
    if (held !== undefined && held !== value) deny(`task.attributes[${quote(name)}]: a delegated task keeps its parent's value ${quote(held)}`);
  }
  const attributes = checkAttributes({ ...ownAttributes, ...parent.attributes });

  const grants = childTools(c, parent, tools, deny);
  if (grants.length === 0) {
    throw new WarrantError('ERR_INVALID_ARGUMENT', `task.tools is required: task ${quote(parentId)} declared none, so a task delegated from it must name the providers it will use`);
  }
  const budget = childBudget(parent, input.task.budget, now, deny);
  const child: NewTask = {
    id: childId,
    owner: delegate.spiffeId,
    trustDomain: delegate.trustDomain,
    purpose,
    attributes,
    tools: grants,
    budget,
    parentId,
    ancestors: [...parent.ancestors, parentId],
    chain,
    openedAt: now,
    expiresAt: Math.min(now + budget.maxLifetimeMs, parent.expiresAt),
  };

  // One decision per delegated provider; a denial counts against the parent task.
  const engine = c.policy();
  const policyChild = tasks.policyTask({ ...child, state: 'open', credentialsIssued: 0, liveLeases: 0, deviations: 0 });
  for (const grant of grants) {
    const provider = c.providers.get(grant.provider)!;
    const decision = engine.decide({
      principal: { spiffeId: caller.spiffeId, trustDomain: caller.trustDomain, path: caller.path },
      action: 'delegate',
      resource: { provider: provider.name, kind: provider.kind },
      context: { task: policyChild, scope: grant.scope, ttlSeconds: Math.ceil(budget.maxLifetimeMs / 1000), now, delegate },
    });
    c.audit.append({
      type: 'decision',
      action: 'delegate',
      workload: auditWho(caller),
      task: childId,
      parent: parentId,
      delegate: delegate.spiffeId,
      depth,
      provider: provider.name,
      scope: grant.scope,
      decision: { allowed: decision.allowed, policies: decision.determiningPolicies, errors: decision.errors, policyVersion: decision.policyVersion, approvalRequired: decision.approvalRequired },
    });
    if (!decision.allowed || decision.approvalRequired) {
      const why = !decision.allowed
        ? decision.determiningPolicies.length > 0
          ? `forbidden by policy ${decision.determiningPolicies.map((p) => quote(p)).join(', ')}`
          : 'no policy permits it'
        : `policy ${decision.determiningPolicies.map((p) => quote(p)).join(', ')} requires approval, which delegation cannot wait for`;
      const error = new WarrantError(
        'ERR_POLICY_DENIED',
        `policy denied delegate of ${quote(provider.name)} from task ${quote(parentId)} to ${delegate.spiffeId}: ${why} (policy version ${decision.policyVersion})`,
      );
      throw await tasks.deviate(caller, parent, { kind: 'policy_denied', provider: provider.name, scope: grant.scope, detail: `delegation to ${delegate.spiffeId}: ${why}`, error });
    }
  }

  const made = await c.tasks.delegate(child, caller.spiffeId, now);
  switch (made.outcome) {
    case 'no_parent':
      throw new WarrantError('ERR_TASK_NOT_FOUND', `task ${quote(parentId)} does not exist (or its record has aged out)`);
    case 'parent_refused':
      throw endedError(made.parent, now);
    case 'taken':
      throw new WarrantError('ERR_TASK_CONFLICT', `task id ${quote(childId)} is already in use; choose another, or leave it empty to have one made`);
    case 'created':
      c.audit.append({
        type: 'task',
        event: 'delegated',
        workload: auditWho(caller),
        task: taskRef(made.task),
        delegate: delegate.spiffeId,
        tools: made.task.tools,
        budget: made.task.budget,
        expiresAt: made.task.expiresAt,
      });
      return made.task;
  }
}

/** The child's tools: within the parent's; unnamed, the parent's own. */
function childTools(c: TaskContext, parent: TaskRecord, tools: readonly { provider: string; scope: readonly string[] }[], deny: (m: string) => never): ToolGrant[] {
  if (tools.length === 0) return parent.tools.map((t) => ({ provider: t.provider, scope: [...t.scope] }));
  return tools.map((tool, i) => {
    const provider = c.providers.get(tool.provider);
    if (provider === undefined) throw new WarrantError('ERR_PROVIDER_NOT_FOUND', `task.tools[${i}]: provider ${quote(tool.provider)} is not configured on this server`);
    const held = parent.tools.find((t) => t.provider === tool.provider);
    if (parent.tools.length > 0 && held === undefined) deny(`task.tools[${i}]: provider ${quote(tool.provider)} is not among the tools of task ${quote(parent.id)}`);
    const scope = tool.scope.length === 0 ? [...(held?.scope ?? [])] : [...provider.resolveScope(tool.scope)];
    if (held !== undefined && held.scope.length > 0) {
      const beyond = scope.filter((s) => !held.scope.includes(s));
      if (beyond.length > 0) deny(`task.tools[${i}]: scope ${beyond.map((s) => quote(s)).join(', ')} of provider ${quote(tool.provider)} is beyond what task ${quote(parent.id)} holds`);
    }
    return { provider: tool.provider, scope };
  });
}

/** The child's budget: each field within the parent's; unset, the parent's (lifetime: what the parent has left). */
function childBudget(parent: TaskRecord, asked: { maxCredentials?: number; maxConcurrentLeases?: number; maxLifetimeMs?: number } | undefined, now: number, deny: (m: string) => never): TaskBudget {
  const left = parent.expiresAt - now;
  const pick = (value: number | undefined, ceiling: number, field: string, show: (n: number) => string): number => {
    if (value === undefined || value === 0) return ceiling;
    if (!Number.isSafeInteger(value) || value < 0) throw new WarrantError('ERR_INVALID_ARGUMENT', `task.budget.${field} must be a positive whole number`);
    if (value > ceiling) deny(`task.budget.${field} ${show(value)} exceeds what task ${quote(parent.id)} has (${show(ceiling)})`);
    return value;
  };
  const seconds = (ms: number): string => `${Math.ceil(ms / 1000)}s`;
  return {
    maxCredentials: pick(asked?.maxCredentials, parent.budget.maxCredentials, 'max_credentials', String),
    maxConcurrentLeases: pick(asked?.maxConcurrentLeases, parent.budget.maxConcurrentLeases, 'max_concurrent_leases', String),
    maxLifetimeMs: pick(asked?.maxLifetimeMs, left, 'max_lifetime', seconds),
  };
}
