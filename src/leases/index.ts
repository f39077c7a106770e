// The leases area's public face: the LeaseStore contract, its memory and Redis backends, the
// Redis client factory, and the in-process lease event bus.
export type {
  CreateResult,
  IdempotencyClaim,
  LeaseFilter,
  LeasePage,
  LeaseStore,
  NewLease,
  RenewInput,
  RevokeInput,
} from './store.js';
export { DEFAULT_TERMINAL_RETENTION_MS, MAX_ID_BATCH, MAX_LIST_LIMIT } from './store-rules.js';
export { MemoryLeaseStore, type MemoryLeaseStoreOptions } from './memory/memory-store.js';
export { RedisLeaseStore, type RedisLeaseStoreOptions } from './redis/redis-store.js';
export { DEFAULT_KEY_PREFIX } from './redis/keys.js';
export { createRedisClient, type RedisClientOptions } from './redis/redis-client.js';
export {
  LEASE_EVENT_TYPES,
  LeaseEventBus,
  type LeaseEvent,
  type LeaseEventBusOptions,
  type LeaseEventFilter,
  type LeaseEventListener,
  type LeaseEventType,
} from './events.js';
