export {
  FileAuditLog,
  chainHash,
  loadOrCreateHmacKey,
  verifyChain,
  type AuditEvent,
  type AuditLog,
  type AuditRecord,
  type ChainCheck,
} from './audit-log.js';
