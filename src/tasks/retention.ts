import { WarrantError } from '../core/index.js';

/** How long a task or approval record is kept after it ends or expires, unless configured. */
export const DEFAULT_TASK_RETENTION_MS = 24 * 3_600_000;

/** Deviations kept per task when the caller does not say. */
export const DEFAULT_DEVIATIONS_KEPT = 50;

export function checkRetention(ms: number | undefined): number {
  const value = ms ?? DEFAULT_TASK_RETENTION_MS;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new WarrantError('ERR_CONFIG', 'retentionMs must be a positive integer of milliseconds');
  }
  return value;
}
