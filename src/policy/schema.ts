// The schema every policy is validated against; kept identical to warrant.cedarschema (a test checks).
export const WARRANT_SCHEMA = `// warrant's Cedar schema: every policy is validated against it (strict mode) when it is loaded.
//
//   Workload::"<SPIFFE ID>"  the caller; a member of every configured Group whose patterns match its ID
//   Group::"<name>"          a configured group of workloads
//   Provider::"<name>"       the configured credential source the request concerns
//   Task::"<task id>"        the task the request concerns; its attributes are entity tags. Its
//                            chain holds the workloads that delegated it (root first; as references:
//                            compare them, their attributes are not sent), its tools the providers
//                            it declared (empty: it declared none)
//
// Every action applies to a Workload acting on a Provider with one context shape, so a policy that
// leaves the action open still validates. The provider is the one the operation concerns: the
// requested one for issue, renew and delegate; the lease's for revoke and admin.revoke; the pending
// request's for admin.approve; and, for complete and admin.read, each provider the task's leases use.
// For delegate, the task is the one being created (its depth and chain already include the
// caller) and context.delegate is the workload receiving it, with its groups.

entity Group;

entity Workload in [Group] {
  trustDomain: String,
  path: String,
};

entity Provider {
  kind: String,
};

entity Task {
  purpose: String,
  depth: Long,
  chain: Set<Workload>,
  tools: Set<Provider>,
  credentialsIssued: Long,
  deviations: Long,
} tags String;

// nowEpochSeconds is floored to the minute so a decision can be cached for that minute.
// dayOfWeekUtc counts from 0 = Sunday.
type RequestContext = {
  task: Task,
  scope: Set<String>,
  ttlSeconds: Long,
  nowEpochSeconds: Long,
  hourOfDayUtc: Long,
  dayOfWeekUtc: Long,
  delegate?: Workload,
};

action issue, renew, revoke, complete, delegate, "admin.read", "admin.revoke", "admin.approve"
  appliesTo {
    principal: Workload,
    resource: Provider,
    context: RequestContext,
  };
`;
