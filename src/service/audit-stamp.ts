import type { AuditEvent, AuditLog } from '../audit/index.js';

const STAMPED = new WeakSet<AuditLog>();

/**
 * The audit log with the policy version in force added to every record that does not name one
 * itself (a decision's record names the version that decided it).
 */
export function stampPolicyVersion(audit: AuditLog, version: () => string): AuditLog {
  if (STAMPED.has(audit)) return audit;
  const stamped: AuditLog = {
    append: (event: AuditEvent) => audit.append('policyVersion' in event ? event : { ...event, policyVersion: version() }),
    appendMany: (events: readonly AuditEvent[]) => {
      const policyVersion = version();
      audit.appendMany(events.map((event) => ('policyVersion' in event ? event : { ...event, policyVersion })));
    },
    digestSecret: (secret) => audit.digestSecret(secret),
    flush: () => audit.flush(),
    close: () => audit.close(),
  };
  STAMPED.add(stamped);
  return stamped;
}
