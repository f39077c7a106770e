// The leases area's public face: the LeaseStore contract, its memory and Redis backends, the
// Redis client factories, the in-process lease event bus and the relay that feeds it.
export type {
  BulkRevokeInput,
  BulkRevokeOutcome,
  ClaimOptions,
  ClaimResult,
  ConfirmedRevocation,
  CreateResult,
  DeferredRevocation,
  FinishOutcome,
  IdempotencyClaim,
  LeaseEventPage,
  LeaseFilter,
  LeasePage,
  LeasePlacement,
  LeaseSelection,
  LeaseStore,
  LocallyRevoked,
  NewLease,
  OperationProgress,
  OperationStep,
  ParkedRevocation,
  RenewInput,
  RevocationItem,
  RevocationOperation,
  RevocationQueueStats,
  RevokeInput,
  SelectionPage,
  StepClaim,
  StepOptions,
  StoredLeaseEvent,
  SweepResult,
} from './store.js';
export { DEFAULT_TERMINAL_RETENTION_MS, MAX_BULK_IDS, MAX_ID_BATCH, MAX_LIST_LIMIT } from './store-rules.js';
export { MemoryLeaseStore, type MemoryLeaseStoreOptions } from './memory/memory-store.js';
export { DEFAULT_EVENTS_MAX_LEN, RedisLeaseStore, type RedisLeaseStoreOptions } from './redis/redis-store.js';
export { DEFAULT_KEY_PREFIX, DEFAULT_SHARD_COUNT, MAX_SHARD_COUNT } from './redis/keys.js';
export {
  createRedisClient,
  createRedisCluster,
  createRedisSentinelClient,
  type RedisAuthOptions,
  type RedisClientOptions,
  type SentinelOptions,
} from './redis/redis-client.js';
export type { RedisConnection } from './redis/lease-scripts.js';
export {
  LEASE_EVENT_TYPES,
  LeaseEventBus,
  type LeaseEvent,
  type LeaseEventBusOptions,
  type LeaseEventFilter,
  type LeaseEventListener,
  type LeaseEventType,
} from './events.js';
export { LeaseEventRelay, type LeaseEventRelayOptions } from './event-relay.js';
